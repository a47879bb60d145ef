// Reopening a run for another pass (retry, resume), the same from the CLI and from the state
// machine's Plan: lift a cancel, give back windows whose holder is gone, write a plan a
// crash left unwritten, and repair the run's counts from its windows.
import { holderIsGone } from '../state/lease-holder.js';
import type { RunRecord, WindowRecord } from '../state/records.js';
import type { RunStore } from '../state/run-store.js';
import { parseWindowSize } from './duration.js';
import { liftCancel } from './valve-control.js';
import { planWindows } from './windows.js';

export type ReopenAction = 'retry' | 'resume';

export interface ReopenOptions {
  /** Who reopens it (recorded on a lifted cancel). */
  by: string;
  now?: Date;
  /**
   * This process holds the state alone (the CLI's local state): a window still running was
   * left by a killed process, so a resume gives it back at once rather than wait out its lease.
   * Otherwise only windows whose holder was a process on this host that no longer exists.
   */
  exclusive?: boolean;
}

export interface Reopened {
  run: RunRecord;
  /** The run was cancelled, and the cancel is lifted. */
  liftedCancel: boolean;
}

export async function reopenRun(runs: RunStore, run: RunRecord, action: ReopenAction, opts: ReopenOptions): Promise<Reopened> {
  // A cancelled run goes on where it stopped: its batches would otherwise claim nothing.
  const liftedCancel = await liftCancel(runs, run, opts.by, opts.now);
  if (action === 'resume') {
    if (opts.exclusive) {
      for (const w of await runs.listWindows(run.runId, { status: 'running' })) if (w.leaseOwner) await runs.releaseWindow(run.runId, w.start, w.leaseOwner);
    } else {
      await reclaimDeadHolders(runs, run.runId);
    }
  }
  if (!run.plannedAt && run.windowCount > 0) {
    // Killed between recording the run and writing its windows: write the plan now (no window can have run).
    await runs.putWindows(run.runId, planWindows(new Date(run.rangeStart), new Date(run.rangeEnd), parseWindowSize(run.windowSize), run.batchSize));
  }
  return { run: await runs.reconcileRun(run.runId), liftedCancel };
}

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
