// The run lease as the steps use it (state/run-lease.ts). Taken by the step that starts
// backfilling (Plan, for backfill, retry and resume alike: the first step that knows the
// target, the version and the run id, before a window runs), renewed by every window batch
// while it runs, released by Finalize.
import type { RunRecord } from '../state/records.js';
import { RunLeases, type RunLeaseSubject } from '../state/run-lease.js';
import type { StepEnvironment } from './types.js';

/** Leases use the wall clock, never a pinned one (HOURGLASS_NOW): expiry is real time. */
export function runLeases(env: Pick<StepEnvironment, 'runs'>): RunLeases {
  return new RunLeases(env.runs.doc, env.runs.tableName);
}

/** The lease a run holds; none for a run recorded before leases (no target name). */
export function leaseSubjectOf(run: Pick<RunRecord, 'runId' | 'migrationVersion' | 'targetName'>, fallbackTarget?: string): RunLeaseSubject | undefined {
  const targetName = run.targetName ?? fallbackTarget;
  return targetName ? { targetName, version: run.migrationVersion, runId: run.runId } : undefined;
}

/** Takes the run's lease (RunLeaseHeldError if another run holds it): call it where a backfill, retry or resume starts. */
export async function takeRunLease(env: Pick<StepEnvironment, 'runs'>, subject: RunLeaseSubject | undefined): Promise<boolean> {
  return subject ? runLeases(env).take(subject) : false;
}

/** Renews the lease now (a lost one throws RunLeaseHeldError) and keeps renewing it while `fn` runs. */
export async function withRunLease<T>(env: Pick<StepEnvironment, 'runs'>, run: RunRecord, fn: () => Promise<T>): Promise<T> {
  const subject = leaseSubjectOf(run);
  if (!subject) return fn();
  const leases = runLeases(env);
  await leases.take(subject);
  return leases.whileHeld(subject, fn);
}

export async function releaseRunLease(env: Pick<StepEnvironment, 'runs'>, run: RunRecord): Promise<void> {
  const subject = leaseSubjectOf(run);
  if (subject) await runLeases(env).release(subject);
}
