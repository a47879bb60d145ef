// Plan for a run that already exists: `retry` (its failed windows) and `resume` (every window
// not done: pending, failed, or running with an expired lease). Both reopen the run as the CLI
// does (backfill/reopen.ts) and hand the Map the batches that have work, in the run's order.
// Also the names of retry and resume executions: the same request twice names the same one.
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { reopenRun, resumableWindows } from '../backfill/reopen.js';
import type { RunRecord, WindowRecord } from '../state/records.js';
import type { RunStore } from '../state/run-store.js';
import type { PlanOutput, RunInput } from './types.js';

export { reclaimDeadHolders, resumableWindows } from '../backfill/reopen.js';

export const DEFAULT_TOLERATED_FAILURE_PERCENTAGE = 100;

export async function planContinuation(runs: RunStore, input: RunInput & { action: 'retry' | 'resume' }, now: number): Promise<Omit<PlanOutput, 'options'>> {
  const runId = input.runId ?? '';
  const found = await runs.getRun(runId);
  if (!found) throw new UsageError(`unknown run "${runId}"`);
  const { run } = await reopenRun(runs, found, input.action, { by: `${input.action} of the run` });
  return continuationOf(runs, run, input, now);
}

/** What a reopened run has left for the Map: the windows to claim, by batch, in the run's order. */
export async function continuationOf(runs: RunStore, run: RunRecord, input: RunInput & { action: 'retry' | 'resume' }, now: number): Promise<Omit<PlanOutput, 'options'>> {
  const runId = run.runId;
  const todo = input.action === 'resume' ? resumableWindows(await runs.listWindows(runId), now) : await runs.failedOrStuckWindows(runId, now);
  const batches = [...new Set(todo.map((w) => w.batch))].sort((a, b) => (run.order === 'newest-first' ? b - a : a - b));
  return {
    runId, mode: input.action, windowCount: todo.length, batchSize: run.batchSize, batches,
    concurrency: input.concurrency ?? run.concurrency,
    toleratedFailurePercentage: input.toleratedFailurePercentage ?? DEFAULT_TOLERATED_FAILURE_PERCENTAGE,
    warnings: [],
  };
}

/**
 * Execution name of a retry or resume: the action, the run id, and a fingerprint of the windows
 * it would run, so the same request twice names the same execution (Step Functions then
 * refuses or returns it), while a changed set of windows names a new one. At most 80 characters.
 */
export function repairExecutionName(action: 'retry' | 'resume', runId: string, windows: readonly WindowRecord[]): string {
  return `${repairPrefix(action, runId)}${fingerprint(runId, windows)}`;
}

/** Every execution of this action on this run starts so: how a running one is found. */
export function repairPrefix(action: 'retry' | 'resume', runId: string): string {
  return `${action}-${runId.slice(0, 80 - action.length - 2 - 16)}-`;
}

/** Changes whenever the set of windows (or their statuses or attempt counts) changes. */
function fingerprint(runId: string, windows: readonly WindowRecord[]): string {
  const hash = createHash('sha256').update(runId);
  for (const w of [...windows].sort((a, b) => (a.start < b.start ? -1 : 1))) hash.update(`\n${w.start}:${w.status}:${w.attempts}`);
  return hash.digest('hex').slice(0, 16);
}
