// One function per state of the state machine. Each opens what it needs, does one step,
// closes, and returns plain JSON. A window's failure is data (counted in the output and
// on its record); anything else throws, for the state machine's Retry/Catch.
import { executeWindows, type WindowEvent } from '../backfill/executor.js';
import { parseStatementTarget } from '../backfill/group-size.js';
import { finishRun, outcomeOf } from '../backfill/finish.js';
import { loadDefinition, newRunId, planRun } from '../backfill/plan.js';
import { pinnedDefinitionGuard } from '../backfill/definition-checksum.js';
import { batchStartRange } from '../backfill/windows.js';
import { TimeBudget } from '../backfill/budget.js';
import { statementLabel, windowLabelPrefix } from '../backfill/statement-label.js';
import type { Driver } from '../drivers/driver.js';
import { UsageError, shortError } from '../errors.js';
import { loadMigrationSet, type MigrationSet } from '../migrations/set.js';
import { Migrator } from '../migrator/index.js';
import { isAuthenticationFailure } from '../drivers/auth-failure.js';
import { openDriver, withOpenedDriver } from '../open-target.js';
import { parseTargetUrl } from '../target-url.js';
import { cutoverWindowMs, parseUtcTime } from '../backfill/definition.js';
import { runValve } from '../backfill/valve.js';
import { loadGate } from '../backfill/load-gate.js';
import { notAfterOf, parseLateness, type PassOptions } from '../backfill/run-options.js';
import type { ApplyOutput, FinalizeInput, FinalizeOutput, PlanOutput, RunInput, StepEnvironment, VerifyOutput, WindowBatchInput, WindowBatchOutput } from './types.js';
import { verdictOf } from './verdict.js';
import { DEFAULT_TOLERATED_FAILURE_PERCENTAGE, planContinuation } from './repair-plan.js';
import { skippedVerify, verifyRun } from './verify-step.js';
import { leaseSubjectOf, releaseRunLease, runLeases, takeRunLease, withRunLease } from './run-lease-step.js';
import { RunConflictError } from '../errors.js';

const DEFAULT_CONCURRENCY = 4;

/** Actions whose run has windows (counts to verify and to finalize). */
const hasWindows = (action: RunInput['action']): boolean => action === 'backfill' || action === 'retry' || action === 'resume';

function clock(env: StepEnvironment): () => Date {
  return env.now ?? (() => new Date());
}

async function withTarget<T>(env: StepEnvironment, name: string, fn: (driver: Driver, set: MigrationSet) => Promise<T>): Promise<T> {
  const resolved = await env.resolveTarget(name);
  const set = loadMigrationSet(resolved.migrationsDir);
  const open = () => openWithFreshCredentials(env, name, resolved.url);
  if (!env.openTargets) return withOpenedDriver(open, (driver) => fn(driver, set));
  let driver = env.openTargets.get(name);
  if (!driver) {
    driver = open();
    env.openTargets.set(name, driver);
    driver.catch(() => env.openTargets?.delete(name));
  }
  return fn(await driver, set);
}

/**
 * Opens the target; when the server refuses the credentials, reads the secret once more past
 * the cache (it may have been rotated since it was cached) and tries once again.
 */
async function openWithFreshCredentials(env: StepEnvironment, name: string, url: string): Promise<Driver> {
  const options = { leases: env.leases };
  try {
    return await openDriver(parseTargetUrl(url), options);
  } catch (error) {
    if (!isAuthenticationFailure(error)) throw error;
    const fresh = await env.resolveTarget(name, { forceFetch: true });
    return openDriver(parseTargetUrl(fresh.url), options);
  }
}

/** Closes what a local run kept open (StepEnvironment.openTargets). */
export async function closeTargets(env: StepEnvironment): Promise<void> {
  const drivers = [...(env.openTargets?.values() ?? [])];
  env.openTargets?.clear();
  await Promise.all(drivers.map((d) => d.then((driver) => driver.close(), () => undefined)));
}

function time(value: string | undefined, key: string): Date | undefined {
  if (value === undefined) return undefined;
  return parseUtcTime(value, (problem) => {
    throw new UsageError(`"${key}": ${problem}`);
  });
}

/** `deadline` (epoch ms, Lambda): every migration statement is limited on the server to the time left before it. */
export async function applyStep(env: StepEnvironment, input: RunInput & { runId?: string }, deadline?: number): Promise<ApplyOutput> {
  return withTarget(env, input.target, async (driver, set) => {
    const migrator = new Migrator(driver, set, {
      runId: input.runId ?? `sfn-${input.action}`,
      now: clock(env),
      cutoverWindowMs,
      ...(deadline !== undefined ? { deadline } : {}),
    });
    if (input.action === 'revert') {
      const result = await migrator.revert({ to: input.version });
      return { applied: result.reverted, databaseVersion: result.status.databaseVersion };
    }
    // A backfill applies up to its own migration (which records the cut-over); apply takes `version` as --to.
    const result = await migrator.apply({ to: input.version });
    return { applied: result.applied.map(({ version, name, durationMs }) => ({ version, name, durationMs })), databaseVersion: result.status.databaseVersion };
  });
}

/** `executionName`: the execution this Plan belongs to (a retried Plan of it continues the run it recorded). */
export async function planStep(env: StepEnvironment, input: RunInput & { runId?: string }, executionName?: string): Promise<PlanOutput> {
  if (input.action === 'retry' || input.action === 'resume') {
    const runId = input.runId ?? '';
    const run = await env.runs.getRun(runId);
    if (!run) throw new UsageError(`unknown run "${runId}"`);
    await takeRunLease(env, leaseSubjectOf(run, input.target));
    return { ...(await planContinuation(env.runs, { ...input, action: input.action }, clock(env)().getTime())), options: passOptionsOf(input) };
  }
  if (input.version === undefined) throw new UsageError('"version" is required for backfill');
  // The lease first: a second run is refused at once, before the target is even opened.
  const lease = { targetName: input.target, version: input.version, runId: input.runId ?? newRunId(input.version, clock(env)()) };
  const fresh = await takeRunLease(env, lease);
  return withTarget(env, input.target, async (driver, set) => {
    const concurrency = input.concurrency ?? DEFAULT_CONCURRENCY;
    const planned = await planRun(driver, env.runs, set, {
      version: input.version!, from: time(input.from, 'from'), to: time(input.to, 'to'), window: input.window, concurrency, runId: lease.runId, now: clock(env)(), order: input.order,
      targetName: input.target, plannedBy: executionName,
      ...(input.statementTarget !== undefined ? { statementTargetMs: parseStatementTarget(input.statementTarget, '"statementTarget"') } : {}),
    }).catch(async (error: unknown) => {
      // Planning refused before the run existed (bad range, unknown version): nothing holds the lease for it.
      // Refused because the id is taken: when nobody held the lease before us, that run is not running, so give it back.
      if (fresh && (error instanceof RunConflictError || !(await env.runs.getRun(lease.runId)))) await runLeases(env).release(lease);
      throw error;
    });
    return { runId: planned.run.runId, mode: 'backfill', windowCount: planned.run.windowCount, batchSize: planned.run.batchSize, batches: planned.batches, concurrency, toleratedFailurePercentage: input.toleratedFailurePercentage ?? DEFAULT_TOLERATED_FAILURE_PERCENTAGE, warnings: planned.warnings, options: passOptionsOf(input) };
  });
}

/** The input's options a batch honours, for the Map's ItemSelector. */
function passOptionsOf(input: RunInput): PassOptions {
  return { latenessMs: parseLateness(input.lateness, '"lateness"') };
}

/**
 * One invocation of a batch. With `remainingMs` (the Lambda's, or the local runner's countdown)
 * it runs windows only while they fit and answers `more: true` when it stopped with windows
 * left; the state machine's child loop calls it again. `onWindow`: each finished window (the
 * Lambda logs it for the dashboard's slowest windows).
 */
export async function windowBatchStep(env: StepEnvironment, input: WindowBatchInput, remainingMs?: () => number, onWindow?: (event: WindowEvent) => void): Promise<WindowBatchOutput> {
  const budget = remainingMs ? new TimeBudget(remainingMs) : undefined;
  // A wait (paused, throttled) is taken only when it ends before the invocation's margin.
  const giveUp = budget ? (waitMs: number) => budget.statementLimitMs() <= waitMs : undefined;
  const run = await env.runs.getRun(input.runId);
  if (!run) throw new UsageError(`unknown run "${input.runId}"`);
  return withRunLease(env, run, () => withTarget(env, input.target, async (driver, set) => {
    const { def } = await loadDefinition(set, run.migrationVersion, run.windowSize);
    const batchStarts = batchStartRange(new Date(run.rangeStart), new Date(run.rangeEnd), def.windowMs, run.batchSize, input.batch) ?? undefined;
    const result = await executeWindows(driver, env.runs, def, run.migrationVersion, {
      runId: input.runId, owner: env.workerId, batch: input.batch, batchStarts, concurrency: 1,
      allow: input.mode === 'retry' ? ['failed'] : input.mode === 'resume' ? ['pending', 'failed'] : ['pending'],
      // A window that ends at the cut-over waits until the cut-over plus lateness has passed, as on the CLI.
      notAfter: def.to.kind === 'cutover' ? notAfterOf(clock(env)(), input.options?.latenessMs ?? 0) : undefined,
      // Pause and throttle from the run record; in AWS, throttle also sets the Map run's own concurrency.
      // A paused or load-throttled batch waits only while the invocation has time, then answers more.
      valve: runValve(env.runs, input.runId, { gate: def.maxLoad && loadGate(driver, env.runs, input.runId, def.maxLoad, { giveUp }), giveUp }),
      order: run.order,
      ...(run.statementTargetMs !== undefined ? { statementTargetMs: run.statementTargetMs } : {}),
      budget,
      onWindow,
      statementLabel: (w) => ({ label: statementLabel(input.runId, w.start, w.attempts), prefix: windowLabelPrefix(input.runId, w.start) }),
      // Pinned code: a bundle with another definition than the run planned fails the window, writing nothing.
      beforeWindow: await pinnedDefinitionGuard(set, run),
    });
    return { batch: input.batch, succeeded: result.succeeded, failed: result.failed, skipped: result.skipped, rows: result.rows, more: result.more };
  }));
}

/** `deadline`: epoch ms by which Verify must answer (the Lambda's remaining time); none locally. */
export async function verifyStep(env: StepEnvironment, input: RunInput & { runId?: string }, deadline?: number): Promise<VerifyOutput> {
  if (input.verify === 'skip') return skippedVerify();
  // Only backfill, retry and resume runs have window counts to check.
  const runId = hasWindows(input.action) ? input.runId : undefined;
  return withTarget(env, input.target, (driver, set) => verifyRun(env, driver, set, { runId, deadline }));
}

export async function finalizeStep(env: StepEnvironment, input: FinalizeInput): Promise<FinalizeOutput> {
  const error = input.error ? shortError(`${input.error.Error ?? 'Error'}: ${input.error.Cause ?? ''}`) : undefined;
  // After a caught error Verify did not run: the error decides, there is no verdict to add.
  const verdict = error ? undefined : verdictOf(input.verify, input.verifyMode);
  const downgrade = verdict?.problem !== undefined && input.verifyMode !== 'warn';
  const verify = verdict ? { verify: verdict } : {};
  if (!input.runId || !hasWindows(input.action)) {
    const status = error ? 'failed' : downgrade ? 'partial' : 'succeeded';
    return { status, ...(input.runId ? { runId: input.runId } : {}), ...(error ? { error } : {}), ...verify };
  }
  const existing = await env.runs.getRun(input.runId);
  if (!existing) return { status: 'failed', runId: input.runId, error: error ?? `unknown run ${input.runId}` };
  let run = await finishRun(env.runs, input.runId);
  if (verdict) run = await env.runs.recordVerify(input.runId, verdict);
  if (error) run = await env.runs.updateRunStatus(input.runId, 'failed', { error });
  else if (downgrade && run.status === 'succeeded') run = await env.runs.updateRunStatus(input.runId, 'partial', { error: verdict.problem });
  await releaseRunLease(env, run);
  const windowsOutcome = outcomeOf(run);
  const outcome = error || windowsOutcome === 'failed' ? 'failed' : windowsOutcome === 'succeeded' && !downgrade ? 'succeeded' : 'partial';
  const c = run.counts;
  return {
    status: outcome, runId: run.runId,
    windows: { total: run.windowCount, succeeded: c.succeeded, failed: c.failed, pending: c.pending + c.running },
    rows: run.rowsWritten, ...(error ? { error } : {}), ...verify,
  };
}
