// backfill, retry: hourly windows from the command line, with a progress bar.
import { randomUUID } from 'node:crypto';
import { UsageError } from '../../engine/errors.js';
import { parseUtcTime } from '../../engine/backfill/definition.js';
import { parseWindowSize } from '../../engine/backfill/duration.js';
import { TimeBudget } from '../../engine/backfill/budget.js';
import type { ExecuteResult } from '../../engine/backfill/executor.js';
import { Backfiller } from '../../engine/backfill/pass.js';
import type { ReopenAction } from '../../engine/backfill/reopen.js';
import { optionsFromFlags, parseRunOptions, type RunOptions } from '../../engine/backfill/run-options.js';
import { caller } from './valve.js';
import type { RunStore } from '../../engine/state/run-store.js';
import { loadMigrationSet } from '../../engine/migrations/set.js';
import type { RunRecord } from '../../engine/state/records.js';
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

/** Every run option, parsed once by the schema the state machine's input uses (run-options.ts). */
function runOptionsOf(ctx: CliContext): RunOptions {
  return parseRunOptions(optionsFromFlags(ctx.args.options), 'cli');
}

function backfillerOf(ctx: CliContext, runs: RunStore, set = loadMigrationSet(ctx.migrationsDir)): Backfiller {
  return new Backfiller({ driver: () => ctx.openDriver(), runs, set, now: () => ctx.now() });
}

export async function backfillCommand(ctx: CliContext): Promise<number> {
  // Every option is checked here, before anything is written.
  const options = runOptionsOf(ctx);
  faultHook(ctx);
  const resume = ctx.args.options.resume as string | undefined;
  if (resume !== undefined) {
    if (ctx.args.positionals.length) throw new UsageError('backfill --resume <runId> takes no version');
    return continueRun(ctx, resume, 'resume', options);
  }
  const version = versionArg(ctx.args.positionals[0]);
  const window = ctx.args.options.window as string | undefined;
  if (window) parseWindowSize(window);
  const from = timeArg(ctx, 'from');
  const to = timeArg(ctx, 'to');
  // A bad migrations folder is refused before the state store opens.
  const set = loadMigrationSet(ctx.migrationsDir);
  const { runs } = await ctx.openState();
  const backfiller = backfillerOf(ctx, runs, set);
  const runId = ctx.args.options['run-id'] as string | undefined;
  // One run per target and version: a second one is refused here (exit 1, the holder's run id), before the database is opened.
  const planned = await backfiller.plan({ version, from, to, window, targetName: cliTargetName(ctx), batching: 'process', ...(runId ? { runId } : {}) }, options);
  return releasingAfter(backfiller, planned.run, planned.freshLease, async () => {
    for (const w of planned.warnings) ctx.io.err(`warning: ${w}`);
    if (!ctx.json) ctx.io.err(`run ${planned.run.runId}: ${planned.run.windowCount} windows of ${planned.def.window} from ${planned.run.rangeStart} to ${planned.run.rangeEnd}, concurrency ${planned.run.concurrency}`);
    const note = partialFirstWindow(new Date(planned.run.rangeStart), planned.def.windowMs);
    if (note && !ctx.json) ctx.io.err(note);
    return execute(ctx, backfiller, planned.run, ['pending'], options);
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

/** Runs `fn`, then gives the run lease back; on a failure only when this process took it (not a `--run-id` of a running run's). */
async function releasingAfter<T>(backfiller: Backfiller, run: RunRecord, fresh: boolean, fn: () => Promise<T>, fallbackTarget?: string): Promise<T> {
  const result = await fn().catch(async (error: unknown) => {
    if (fresh) await backfiller.release(run, fallbackTarget);
    throw error;
  });
  await backfiller.release(run, fallbackTarget);
  return result;
}

export async function retryCommand(ctx: CliContext): Promise<number> {
  // Checked before anything is written, as backfill does.
  return continueRun(ctx, ctx.args.positionals[0] ?? '', 'retry', runOptionsOf(ctx));
}

async function continueRun(ctx: CliContext, runId: string, action: ReopenAction, options: RunOptions): Promise<number> {
  const { runs, exclusive } = await ctx.openState();
  const found = await runs.getRun(runId);
  if (!found) throw new UsageError(`unknown run "${runId}"`);
  const backfiller = backfillerOf(ctx, runs);
  const fallbackTarget = cliTargetName(ctx);
  const reopened = await backfiller.reopen(found, action, { by: caller(), now: ctx.now(), exclusive, fallbackTarget });
  return releasingAfter(backfiller, reopened.run, reopened.freshLease, async () => {
    if (reopened.liftedCancel && !ctx.json) ctx.io.err(`run ${runId} was cancelled: lifting the cancel`);
    if (!ctx.json) ctx.io.err(`${action} run ${runId}: backfill ${found.migrationVersion} (${found.migrationName})`);
    return execute(ctx, backfiller, reopened.run, action === 'retry' ? ['failed'] : ['pending'], options, fallbackTarget);
  }, fallbackTarget);
}

async function execute(ctx: CliContext, backfiller: Backfiller, run: RunRecord, allow: ClaimableStatus[], options: RunOptions, fallbackTarget?: string): Promise<number> {
  const { runs } = await ctx.openState();
  const todo = (await runs.listWindows(run.runId)).filter((w) => w.status !== 'succeeded').length;
  const bar = ctx.json ? null : new ProgressBar(todo, (t) => process.stderr.write(t));
  await runs.updateRunStatus(run.runId, 'running');
  const owner = `cli-${process.pid}-${randomUUID().slice(0, 8)}`;
  const result = await executeInInvocations(options.functionTimeoutMs, (budget) => backfiller.pass(run, {
    owner, allow, options: { ...options, concurrency: options.concurrency ?? run.concurrency }, ...(budget ? { budget } : {}),
    onWindow: (e) => bar?.update(e),
    beforeWindow: faultHook(ctx),
    onWait: (why) => ctx.json || ctx.io.err(`run ${run.runId} ${why}: waiting (hourglass unpause / throttle)`),
    ...(fallbackTarget ? { fallbackTarget } : {}),
  }));
  bar?.finish();
  const final = await backfiller.finish(run.runId);
  const holds = (await backfiller.definition(run)).to.kind === 'cutover';
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
