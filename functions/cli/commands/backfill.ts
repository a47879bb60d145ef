// backfill, retry: hourly windows from the command line, with a progress bar.
import { randomUUID } from 'node:crypto';
import { UsageError } from '../../engine/errors.js';
import { parseUtcTime } from '../../engine/backfill/definition.js';
import { parseDuration, parseWindowSize } from '../../engine/backfill/duration.js';
import { TimeBudget } from '../../engine/backfill/budget.js';
import { statementLabel, windowLabelPrefix } from '../../engine/backfill/statement-label.js';
import { planWindows } from '../../engine/backfill/windows.js';
import { executeWindows, type ExecuteResult } from '../../engine/backfill/executor.js';
import { parseStatementTarget } from '../../engine/backfill/group-size.js';
import { finishRun } from '../../engine/backfill/finish.js';
import { runValve } from '../../engine/backfill/valve.js';
import { liftCancel } from '../../engine/backfill/valve-control.js';
import { caller } from './valve.js';
import { loadGate } from '../../engine/backfill/load-gate.js';
import { notAfterOf, parseLateness } from '../../engine/backfill/run-options.js';
import { loadDefinition, newRunId, planRun, checkStrategy } from '../../engine/backfill/plan.js';
import { RunLeases, type RunLeaseSubject } from '../../engine/state/run-lease.js';
import { pinnedDefinitionGuard } from '../../engine/backfill/definition-checksum.js';
import type { RunStore } from '../../engine/state/run-store.js';
import { MAX_CONCURRENCY } from '../../engine/service/input.js';
import { loadMigrationSet } from '../../engine/migrations/set.js';
import { RUN_ORDERS, type RunOrder, type RunRecord } from '../../engine/state/records.js';
import type { ClaimableStatus } from '../../engine/state/window-transitions.js';
import { integerArg } from '../args.js';
import type { CliContext } from '../context.js';
import { ProgressBar, human } from '../progress.js';

export function timeArg(ctx: CliContext, name: 'from' | 'to'): Date | undefined {
  const value = ctx.args.options[name];
  if (value === undefined) return undefined;
  return parseUtcTime(String(value), (problem) => {
    throw new UsageError(`--${name}: ${problem}`);
  });
}

export function versionArg(text: string | undefined): number {
  if (text === undefined || !/^\d{1,15}$/.test(text)) throw new UsageError(`invalid version "${text ?? ''}": expected a migration number such as 3`);
  return Number(text);
}

function concurrencyArg(ctx: CliContext, fallback: number): number {
  return integerArg(ctx.args.options.concurrency, '--concurrency', { min: 1, max: MAX_CONCURRENCY }) ?? fallback;
}

function orderArg(ctx: CliContext): RunOrder | undefined {
  const value = ctx.args.options.order;
  if (value === undefined) return undefined;
  if (!RUN_ORDERS.includes(value as RunOrder)) throw new UsageError(`invalid --order "${String(value)}": expected ${RUN_ORDERS.join(' or ')}`);
  return value as RunOrder;
}

/** --function-timeout: run the windows in invocations of this long, as a Lambda would (see executeInInvocations). */
function functionTimeoutMs(ctx: CliContext): number | undefined {
  const value = ctx.args.options['function-timeout'];
  return value === undefined ? undefined : parseDuration(String(value), '--function-timeout');
}

/** --statement-target: how long one statement should take (adjacent windows grouped up to it). */
function statementTargetMs(ctx: CliContext): number | undefined {
  const value = ctx.args.options['statement-target'];
  return value === undefined ? undefined : parseStatementTarget(String(value));
}

function latenessMs(ctx: CliContext): number {
  const value = ctx.args.options.lateness;
  return parseLateness(value === undefined ? undefined : String(value), '--lateness');
}

export async function backfillCommand(ctx: CliContext): Promise<number> {
  // Options read only once windows run are checked here, before anything is written.
  latenessMs(ctx);
  faultHook(ctx);
  functionTimeoutMs(ctx);
  const statementTarget = statementTargetMs(ctx);
  const resume = ctx.args.options.resume as string | undefined;
  if (resume !== undefined) {
    if (ctx.args.positionals.length) throw new UsageError('backfill --resume <runId> takes no version');
    return continueRun(ctx, resume, ['pending'], 'resume');
  }
  const version = versionArg(ctx.args.positionals[0]);
  const window = ctx.args.options.window as string | undefined;
  if (window) parseWindowSize(window);
  const from = timeArg(ctx, 'from');
  const to = timeArg(ctx, 'to');
  const concurrency = concurrencyArg(ctx, 4);
  const set = loadMigrationSet(ctx.migrationsDir);
  const { runs } = await ctx.openState();
  const order = orderArg(ctx);
  const targetName = cliTargetName(ctx);
  const runId = (ctx.args.options['run-id'] as string | undefined) ?? newRunId(version, ctx.now());
  // One run per target and version: a second one is refused here (exit 1, the holder's run id), before the database is opened.
  return holdingRunLease(runs, { targetName, version, runId }, async () => {
    const driver = await ctx.openDriver();
    const planned = await planRun(driver, runs, set, { version, from, to, window, concurrency, runId, now: ctx.now(), order, targetName, ...(statementTarget !== undefined ? { statementTargetMs: statementTarget } : {}) });
    for (const w of planned.warnings) ctx.io.err(`warning: ${w}`);
    if (!ctx.json) ctx.io.err(`run ${planned.run.runId}: ${planned.run.windowCount} windows of ${planned.def.window} from ${planned.run.rangeStart} to ${planned.run.rangeEnd}, concurrency ${concurrency}`);
    const note = partialFirstWindow(new Date(planned.run.rangeStart), planned.def.windowMs);
    if (note && !ctx.json) ctx.io.err(note);
    return execute(ctx, planned.run, ['pending'], concurrency);
  });
}

/** A --from off the window grid makes the first window shorter than the rest: said in one line. */
export function partialFirstWindow(from: Date, windowMs: number): string | undefined {
  const next = (Math.floor(from.getTime() / windowMs) + 1) * windowMs;
  if (from.getTime() % windowMs === 0) return undefined;
  return `note: ${from.toISOString()} is not on the window grid: the first window [${from.toISOString()}, ${new Date(next).toISOString()}) is partial`;
}

/** The target's configured name, as `run` names it: the run lease's key. */
function cliTargetName(ctx: CliContext): string {
  return (ctx.args.options.target as string | undefined) ?? 'local';
}

/** Takes the run lease, renews it while `fn` runs, and gives it back when this process is done with the run. */
async function holdingRunLease<T>(runs: RunStore, subject: RunLeaseSubject, fn: () => Promise<T>): Promise<T> {
  const leases = new RunLeases(runs.doc, runs.tableName);
  const fresh = await leases.take(subject);
  const result = await leases.whileHeld(subject, fn).catch(async (error: unknown) => {
    // Not ours to give back when another process of the same run id holds it (`--run-id` of a running run).
    if (fresh) await leases.release(subject);
    throw error;
  });
  await leases.release(subject);
  return result;
}

export async function retryCommand(ctx: CliContext): Promise<number> {
  // Checked before anything is written, as backfill does.
  latenessMs(ctx);
  functionTimeoutMs(ctx);
  statementTargetMs(ctx);
  return continueRun(ctx, ctx.args.positionals[0], ['failed'], 'retry');
}

async function continueRun(ctx: CliContext, runId: string, allow: ClaimableStatus[], what: string): Promise<number> {
  const { runs, exclusive } = await ctx.openState();
  const run = await runs.getRun(runId);
  if (!run) throw new UsageError(`unknown run "${runId}"`);
  // A cancelled run goes on where it stopped: the cancel is lifted first.
  if (await liftCancel(runs, run, caller(), ctx.now()) && !ctx.json) ctx.io.err(`run ${runId} was cancelled: lifting the cancel`);
  if (what === 'resume' && exclusive) {
    // We hold the local state alone, so a window still marked running was left by a process
    // that was killed: give it back now rather than wait out its lease.
    for (const w of await runs.listWindows(runId, { status: 'running' })) if (w.leaseOwner) await runs.releaseWindow(runId, w.start, w.leaseOwner);
  } else if (what === 'resume') {
    // Shared state: only the windows of processes gone from this host (their pid is on the lease).
    await (await import('../../engine/service/repair-plan.js')).reclaimDeadHolders(runs, runId);
  }
  if (!run.plannedAt && run.windowCount > 0) {
    // Killed between recording the run and writing its windows: write the plan now (no window can have run).
    await runs.putWindows(runId, planWindows(new Date(run.rangeStart), new Date(run.rangeEnd), parseWindowSize(run.windowSize), run.batchSize));
  }
  await runs.reconcileRun(runId);
  const concurrency = concurrencyArg(ctx, run.concurrency);
  if (!ctx.json) ctx.io.err(`${what} run ${runId}: backfill ${run.migrationVersion} (${run.migrationName})`);
  return holdingRunLease(runs, { targetName: run.targetName ?? cliTargetName(ctx), version: run.migrationVersion, runId }, () => execute(ctx, run, allow, concurrency));
}

async function execute(ctx: CliContext, run: RunRecord, allow: ClaimableStatus[], concurrency: number): Promise<number> {
  const set = loadMigrationSet(ctx.migrationsDir);
  const driver = await ctx.openDriver();
  const { runs } = await ctx.openState();
  const { def } = await loadDefinition(set, run.migrationVersion, run.windowSize);
  await checkStrategy(driver, def);
  const todo = (await runs.listWindows(run.runId)).filter((w) => w.status !== 'succeeded').length;
  const bar = ctx.json ? null : new ProgressBar(todo, (t) => process.stderr.write(t));
  await runs.updateRunStatus(run.runId, 'running');
  // A run that ends at the cut-over holds the window ending there until the cut-over plus
  // lateness has passed, on every pass (first, resume, retry), so late rows still land.
  const holds = def.to.kind === 'cutover';
  const notAfter = holds ? notAfterOf(ctx.now(), latenessMs(ctx)) : undefined;
  const owner = `cli-${process.pid}-${randomUUID().slice(0, 8)}`;
  // Pinned code: a resume or retry after the definition changed fails its windows with one line, writing nothing.
  const pinned = await pinnedDefinitionGuard(set, run);
  const timeoutMs = functionTimeoutMs(ctx);
  const target = statementTargetMs(ctx) ?? run.statementTargetMs;
  const result = await executeInInvocations(timeoutMs, (budget) => executeWindows(driver, runs, def, run.migrationVersion, {
    runId: run.runId, owner, concurrency, allow, notAfter, ...(budget ? { budget } : {}),
    // This invocation's --statement-target, else the run's (a resume or retry keeps what the backfill chose).
    ...(target !== undefined ? { statementTargetMs: target } : {}),
    statementLabel: (w) => ({ label: statementLabel(run.runId, w.start, w.attempts), prefix: windowLabelPrefix(run.runId, w.start) }),
    onWindow: (e) => bar?.update(e),
    beforeWindow: pinned ?? faultHook(ctx),
    order: run.order,
    valve: runValve(runs, run.runId, { gate: def.maxLoad && loadGate(driver, runs, run.runId, def.maxLoad), onWait: (why) => ctx.json || ctx.io.err(`run ${run.runId} ${why}: waiting (hourglass unpause / throttle)`) }),
  }));
  bar?.finish();
  const final = await finishRun(runs, run.runId);
  const summary = { runId: run.runId, status: final.status, windows: { total: final.windowCount, succeeded: final.counts.succeeded, failed: final.counts.failed, pending: final.counts.pending + final.counts.running }, rows: final.rowsWritten };
  if (ctx.json) {
    ctx.io.out(JSON.stringify(summary));
  } else {
    ctx.io.out(`run ${final.runId} ${final.status}: ${final.counts.succeeded}/${final.windowCount} windows succeeded, ${final.counts.failed} failed, ${summary.windows.pending} pending · ${human(final.rowsWritten)} rows${result.skipped ? ` · ${result.skipped} skipped this pass` : ''}`);
    if (final.counts.failed) ctx.io.out(`re-run the failed windows with: hourglass retry ${final.runId}`);
    if (final.status === 'cancelled') ctx.io.out(`cancelled; continue it with: hourglass backfill --resume ${final.runId}`);
    else if (summary.windows.pending && holds) ctx.io.out(`windows ending after the cut-over (+ lateness) wait: hourglass backfill --resume ${final.runId}`);
  }
  return final.status === 'succeeded' ? 0 : 1;
}

/**
 * Without a timeout, one pass. With one, passes of at most `timeoutMs` each (a time budget
 * counting down from it, as a Lambda invocation has), again while a pass says `more`: the
 * same loop the state machine's child runs.
 */
async function executeInInvocations(timeoutMs: number | undefined, pass: (budget?: TimeBudget) => Promise<ExecuteResult>): Promise<ExecuteResult> {
  if (timeoutMs === undefined) return pass();
  const total: ExecuteResult = { succeeded: 0, failed: 0, skipped: 0, rows: 0, peakConcurrency: 0, more: true, statements: 0 };
  while (total.more) {
    const deadline = Date.now() + timeoutMs;
    const r = await pass(new TimeBudget(() => Math.max(0, deadline - Date.now())));
    total.succeeded += r.succeeded;
    total.failed += r.failed;
    total.skipped = r.skipped;
    total.rows += r.rows;
    total.statements += r.statements;
    total.peakConcurrency = Math.max(total.peakConcurrency, r.peakConcurrency);
    total.more = r.more;
  }
  return total;
}

/** --fail-windows N: a fault hook for drills and tests — every Nth window fails once (first attempt only). */
function faultHook(ctx: CliContext) {
  const every = integerArg(ctx.args.options['fail-windows'], '--fail-windows', { min: 1 });
  if (!every) return undefined;
  return (w: { start: string; attempts: number }) => {
    const hour = Math.floor(new Date(w.start).getTime() / 3_600_000);
    if (w.attempts === 1 && hour % every === 0) throw new Error(`injected fault (--fail-windows ${every})`);
  };
}
