// The Verify state: the live schema against what the applied migrations produce (built in a
// scratch database or schema on the target's own server), and the run's per-window source vs
// target counts. A verify that cannot run (no privilege for the scratch, migrations it cannot
// isolate, out of time) is `unverified`, never clean; connection failures throw and are retried.
import type { Driver } from '../drivers/driver.js';
import { ScratchUnavailableError, shortError } from '../errors.js';
import type { MigrationSet } from '../migrations/set.js';
import { summarizeReport, verifyTarget } from '../verify/index.js';
import type { StepEnvironment, VerifyOutput } from './types.js';

export interface VerifyRunOptions {
  runId?: string;
  /** Epoch ms by which verify must answer (the Lambda's remaining time less a margin). */
  deadline?: number;
}

export async function verifyRun(env: StepEnvironment, driver: Driver, set: MigrationSet, opts: VerifyRunOptions = {}): Promise<VerifyOutput> {
  let report;
  try {
    report = await verifyTarget(driver, set, {
      ...(opts.runId ? { runs: env.runs, runId: opts.runId } : {}),
      ...(env.now ? { now: env.now } : {}),
      ...(opts.deadline === undefined ? {} : { deadline: opts.deadline }),
    });
  } catch (error) {
    if (!(error instanceof ScratchUnavailableError)) throw error;
    const reason = shortError(error);
    return { status: 'unverified', clean: false, differences: 0, dataMismatches: 0, summary: `unverified: ${reason}`, reason };
  }
  const differences = report.differences.length;
  const dataMismatches = report.data.windows?.mismatched.length ?? 0;
  const status = differences === 0 && dataMismatches === 0 ? 'clean' : 'drift';
  return { status, clean: status === 'clean', differences, dataMismatches, summary: summarizeReport(report) };
}

export function skippedVerify(): VerifyOutput {
  return { status: 'skipped', clean: false, differences: 0, dataMismatches: 0, summary: 'verify skipped ("verify": "skip")' };
}
