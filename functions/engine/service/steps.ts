// One function per state of the state machine. Each opens what it needs, does one step,
// closes, and returns plain JSON. A window's failure is data (counted in the output and
// on its record); anything else throws, for the state machine's Retry/Catch.
import type { WindowEvent } from '../backfill/executor.js';
import { finishRun, outcomeOf } from '../backfill/finish.js';
import { TimeBudget } from '../backfill/budget.js';
import type { Driver } from '../drivers/driver.js';
import { UsageError, shortError } from '../errors.js';
import { loadMigrationSet, type MigrationSet } from '../migrations/set.js';
import { Migrator } from '../migrator/index.js';
import { isAuthenticationFailure } from '../drivers/auth-failure.js';
import { openDriver, withOpenedDriver } from '../open-target.js';
import { parseTargetUrl } from '../target-url.js';
import { cutoverWindowMs, parseUtcTime } from '../backfill/definition.js';
import { parseRunOptions, passOptionsOf, type RunOptions } from '../backfill/run-options.js';
import { Backfiller } from '../backfill/pass.js';
import type { ApplyOutput, FinalizeInput, FinalizeOutput, PlanOutput, RunInput, StepEnvironment, VerifyOutput, WindowBatchInput, WindowBatchOutput } from './types.js';
import { verdictOf } from './verdict.js';
import { DEFAULT_TOLERATED_FAILURE_PERCENTAGE, continuationOf } from './repair-plan.js';
import { skippedVerify, verifyRun } from './verify-step.js';
import { releaseRunLease } from './run-lease-step.js';

/** Actions whose run has windows (counts to verify and to finalize). */
const hasWindows = (action: RunInput['action']): boolean => action === 'backfill' || action === 'retry' || action === 'resume';

function clock(env: StepEnvironment): () => Date {
  return env.now ?? (() => new Date());
}

async function withTarget<T>(env: StepEnvironment, name: string, fn: (driver: Driver, set: MigrationSet) => Promise<T>): Promise<T> {
  const resolved = await env.resolveTarget(name);
  const set = loadMigrationSet(resolved.migrationsDir);
  if (!env.openTargets) return withOpenedDriver(() => openWithFreshCredentials(env, name, resolved.url), (driver) => fn(driver, set));
  return fn(await keptOpen(env, name, resolved.url), set);
}

/** The target's driver, kept open between steps (StepEnvironment.openTargets). */
function keptOpen(env: StepEnvironment, name: string, url: string): Promise<Driver> {
  let driver = env.openTargets!.get(name);
  if (!driver) {
    driver = openWithFreshCredentials(env, name, url);
    env.openTargets!.set(name, driver);
    driver.catch(() => env.openTargets?.delete(name));
  }
  return driver;
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

/**
 * The Backfiller of a target: the migration set now, the driver only when first needed (after
 * the run lease: a refused run never opens the target), closed afterwards unless kept open.
 */
async function withBackfiller<T>(env: StepEnvironment, name: string, fn: (backfiller: Backfiller) => Promise<T>): Promise<T> {
  const resolved = await env.resolveTarget(name);
  const set = loadMigrationSet(resolved.migrationsDir);
  let opened: Promise<Driver> | undefined;
  const driver = () => (opened ??= env.openTargets ? keptOpen(env, name, resolved.url) : openWithFreshCredentials(env, name, resolved.url));
  try {
    return await fn(new Backfiller({ driver, runs: env.runs, set, now: clock(env) }));
  } finally {
    if (opened && !env.openTargets) await opened.then((d) => d.close(), () => undefined);
  }
}

/** The input's options as the one schema parses them (run-options.ts), the CLI's flags too. */
function runOptionsOf(input: RunInput): RunOptions {
  return parseRunOptions(input, 'input');
}

/** `executionName`: the execution this Plan belongs to (a retried Plan of it continues the run it recorded). */
export async function planStep(env: StepEnvironment, input: RunInput & { runId?: string }, executionName?: string): Promise<PlanOutput> {
  const options = runOptionsOf(input);
  if (input.action === 'retry' || input.action === 'resume') {
    const action = input.action;
    const runId = input.runId ?? '';
    const run = await env.runs.getRun(runId);
    if (!run) throw new UsageError(`unknown run "${runId}"`);
    return withBackfiller(env, input.target, async (backfiller) => {
      // The lease, the strategy check and the reopening are the CLI's; then the batches with work.
      const reopened = await backfiller.reopen(run, action, { by: `${action} of the run`, fallbackTarget: input.target });
      return { ...(await continuationOf(env.runs, reopened.run, { ...input, action }, clock(env)().getTime())), options: passOptionsOf(options) };
    });
  }
  if (input.version === undefined) throw new UsageError('"version" is required for backfill');
  const version = input.version;
  return withBackfiller(env, input.target, async (backfiller) => {
    const planned = await backfiller.plan({
      version, from: time(input.from, 'from'), to: time(input.to, 'to'), window: input.window,
      targetName: input.target, plannedBy: executionName, ...(input.runId ? { runId: input.runId } : {}),
    }, options);
    return { runId: planned.run.runId, mode: 'backfill', windowCount: planned.run.windowCount, batchSize: planned.run.batchSize, batches: planned.batches, concurrency: planned.run.concurrency, toleratedFailurePercentage: input.toleratedFailurePercentage ?? DEFAULT_TOLERATED_FAILURE_PERCENTAGE, warnings: planned.warnings, options: passOptionsOf(options) };
  });
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
  return withBackfiller(env, input.target, async (backfiller) => {
    const result = await backfiller.pass(run, {
      owner: env.workerId, batch: input.batch,
      allow: input.mode === 'retry' ? ['failed'] : input.mode === 'resume' ? ['pending', 'failed'] : ['pending'],
      // One window at a time per Map child: the Map's MaxConcurrency is the run's concurrency.
      options: { ...(input.options ?? { latenessMs: 0 }), concurrency: 1 },
      ...(budget ? { budget } : {}), ...(giveUp ? { giveUp } : {}),
      onWindow,
    });
    return { batch: input.batch, succeeded: result.succeeded, failed: result.failed, skipped: result.skipped, rows: result.rows, more: result.more };
  });
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
