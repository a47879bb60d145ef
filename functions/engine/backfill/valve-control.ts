// The operator's side of the load valve: pause, unpause and throttle a run by writing its
// run record (workers read it before each claim: valve.ts). Shared by the CLI and the API.
import { UsageError } from '../errors.js';
import { MAX_CONCURRENCY } from './run-options.js';
import type { RunRecord, RunValve } from '../state/records.js';
import type { RunStore } from '../state/run-store.js';

export type ValveChange = { paused: boolean } | { concurrency: number } | { cancelled: boolean };

export function checkConcurrency(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_CONCURRENCY) throw new UsageError(`invalid concurrency ${JSON.stringify(value)}: expected a whole number 1…${MAX_CONCURRENCY}`);
  return value;
}

export async function changeValve(runs: Pick<RunStore, 'getRun' | 'setValve'>, runId: string, change: ValveChange, changedBy: string, now: Date = new Date()): Promise<RunRecord> {
  const run = await runs.getRun(runId);
  if (!run) throw new UsageError(`unknown run "${runId}"`);
  const valve: RunValve = {
    paused: run.valve?.paused ?? false,
    ...(run.valve?.concurrency !== undefined ? { concurrency: run.valve.concurrency } : {}),
    ...(run.valve?.cancelled ? { cancelled: true } : {}),
    changedBy, changedAt: now.toISOString(),
  };
  if ('paused' in change) valve.paused = change.paused;
  else if ('cancelled' in change) {
    if (change.cancelled) valve.cancelled = true;
    else delete valve.cancelled;
  } else valve.concurrency = checkConcurrency(change.concurrency);
  return runs.setValve(runId, valve);
}

/** One line for people: "paused", "throttled to 2", "paused, throttled to 2". */
export function describeValve(valve: RunValve | undefined): string {
  if (!valve) return 'running freely';
  if (valve.cancelled) return `cancelled (by ${valve.changedBy} at ${valve.changedAt})`;
  const parts = [valve.paused ? 'paused' : 'not paused', ...(valve.concurrency !== undefined ? [`throttled to ${valve.concurrency}`] : [])];
  return `${parts.join(', ')} (by ${valve.changedBy} at ${valve.changedAt})`;
}

/**
 * A resume or retry of a cancelled run: the cancel is lifted (recorded as who lifted it), so
 * its workers claim again. True when there was one to lift.
 */
export async function liftCancel(runs: Pick<RunStore, 'getRun' | 'setValve'>, run: RunRecord, by: string, now: Date = new Date()): Promise<boolean> {
  if (!run.valve?.cancelled && run.status !== 'cancelled') return false;
  if (run.valve?.cancelled) await changeValve(runs, run.runId, { cancelled: false }, by, now);
  return true;
}
