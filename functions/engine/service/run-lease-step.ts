// The run lease as the steps use it (state/run-lease.ts). Taken by Plan (Backfiller.plan and
// reopen: the first step that knows the target, the version and the run id, before a window
// runs), renewed by every window batch while it runs (Backfiller.pass), released by Finalize.
import type { RunRecord } from '../state/records.js';
import { RunLeases } from '../state/run-lease.js';
import { leaseSubject } from '../backfill/pass.js';
import type { StepEnvironment } from './types.js';

/** Leases use the wall clock, never a pinned one (HOURGLASS_NOW): expiry is real time. */
export function runLeases(env: Pick<StepEnvironment, 'runs'>): RunLeases {
  return new RunLeases(env.runs.doc, env.runs.tableName);
}

export async function releaseRunLease(env: Pick<StepEnvironment, 'runs'>, run: RunRecord): Promise<void> {
  const subject = leaseSubject(run);
  if (subject) await runLeases(env).release(subject);
}
