// Plan for a run that already exists: `retry` (its failed windows) and `resume` (every window
// not done: pending, failed, or running with an expired lease). Both re-read the windows,
// repair the run's counts, and hand the Map the batches that have work, in the run's order.
import { liftCancel } from '../backfill/valve-control.js';
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { holderIsGone } from '../state/lease-holder.js';
import type { WindowRecord } from '../state/records.js';
import type { RunStore } from '../state/run-store.js';
import type { PlanOutput, RunInput } from './types.js';

export const DEFAULT_TOLERATED_FAILURE_PERCENTAGE = 100;

/** Windows a resume runs: every one not done, except those a live worker holds. */
export function resumableWindows(windows: readonly WindowRecord[], now: number): WindowRecord[] {
  return windows.filter((w) => w.status === 'pending' || w.status === 'failed' || (w.status === 'running' && (w.leaseExpiresAt ?? 0) < now));
}

/**
 * Gives back, at once, running windows whose holder was a process on this host that no longer
 * exists (a killed local run): they become pending, as if their lease had expired. Returns how many.
 */
export async function reclaimDeadHolders(runs: Pick<RunStore, 'listWindows' | 'releaseWindow'>, runId: string): Promise<number> {
  let reclaimed = 0;
  for (const w of await runs.listWindows(runId, { status: 'running' })) {
    if (!w.leaseOwner || w.leasePid === undefined || !holderIsGone({ pid: w.leasePid, host: w.leaseHost })) continue;
    if (await runs.releaseWindow(runId, w.start, w.leaseOwner)) reclaimed++;
  }
  return reclaimed;
}

export async function planContinuation(runs: RunStore, input: RunInput & { action: 'retry' | 'resume' }, now: number): Promise<Omit<PlanOutput, 'options'>> {
  const runId = input.runId ?? '';
  const run = await runs.getRun(runId);
  if (!run) throw new UsageError(`unknown run "${runId}"`);
  if (input.action === 'resume') await reclaimDeadHolders(runs, runId);
  // A cancelled run (hourglass cancel) goes on: its batches would otherwise claim nothing.
  await liftCancel(runs, run, `${input.action} of the run`);
  await runs.reconcileRun(runId);
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
