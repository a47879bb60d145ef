// Rolls a run's window records up into its run record. Counts are recomputed from the
// windows (not trusted from the increments), since without transactions a crash can
// leave the increments behind.
import type { RunStore } from '../state/run-store.js';
import type { RunRecord, RunStatus } from '../state/records.js';

export function outcomeOf(run: Pick<RunRecord, 'counts'>): RunStatus {
  const c = run.counts;
  if (c.pending + c.running > 0) return 'running';
  if (c.failed === 0) return 'succeeded';
  return c.succeeded > 0 ? 'partial' : 'failed';
}

export async function finishRun(runs: RunStore, runId: string): Promise<RunRecord> {
  const run = await runs.reconcileRun(runId);
  // Cancelled (hourglass cancel): the windows not done stay pending for a resume.
  return runs.updateRunStatus(runId, run.valve?.cancelled ? 'cancelled' : outcomeOf(run));
}
