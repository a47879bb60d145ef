// Per-window counts of a backfill run: each succeeded window recorded the rows it wrote
// and, where the backfill defines a source count, the rows it should have written.
// Windows where the two disagree are listed; windows that never succeeded are counted.
import { UsageError } from '../errors.js';
import type { RunStore } from '../state/run-store.js';
import type { WindowCountCheck } from './types.js';

export async function checkWindowCounts(runs: RunStore, runId: string): Promise<WindowCountCheck> {
  const run = await runs.getRun(runId);
  if (!run) throw new UsageError(`run ${runId} does not exist`);
  const windows = await runs.listWindows(runId);
  const counted = windows.filter((w) => w.status === 'succeeded' && w.sourceRows !== undefined && w.sourceRows !== null);
  return {
    runId,
    runStatus: run.status,
    checked: counted.length,
    unfinished: windows.filter((w) => w.status !== 'succeeded').length,
    mismatched: counted
      .filter((w) => w.rows !== w.sourceRows)
      .map((w) => ({ start: w.start, end: w.end, rows: w.rows, sourceRows: w.sourceRows! })),
  };
}

export function windowsOk(check: WindowCountCheck): boolean {
  return check.mismatched.length === 0 && check.unfinished === 0;
}
