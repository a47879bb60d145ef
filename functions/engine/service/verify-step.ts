// The Verify state: schema drift (verify module) and the run's data checks (per-window
// source vs target counts).
import type { Driver } from '../drivers/driver.js';
import type { MigrationSet } from '../migrations/set.js';
import type { StepEnvironment, VerifyOutput } from './types.js';

export async function verifyRun(env: StepEnvironment, driver: Driver, set: MigrationSet, runId: string | undefined): Promise<VerifyOutput> {
  let differences = 0;
  const notes: string[] = [];
  try {
    const { verifyTarget } = await import('../verify/index.js');
    const report = await verifyTarget(driver, set, {});
    differences = report.differences.length;
    notes.push(differences === 0 ? 'schema clean' : `${differences} schema difference(s)`);
  } catch (error) {
    if (!(error instanceof Error && /Cannot find module|ERR_MODULE_NOT_FOUND/.test(error.message))) throw error;
    notes.push('schema verify unavailable');
  }
  let dataMismatches = 0;
  if (runId) {
    const windows = await env.runs.listWindows(runId, { status: 'succeeded' });
    dataMismatches = windows.filter((w) => w.sourceRows !== undefined && w.sourceRows !== w.rows).length;
    notes.push(`${windows.length} windows checked, ${dataMismatches} count mismatch(es)`);
  }
  return { clean: differences === 0 && dataMismatches === 0, differences, dataMismatches, summary: notes.join('; ') };
}
