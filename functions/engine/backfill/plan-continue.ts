// Plan, retried, continues. A Plan the state machine retries (DynamoDB throttled its last
// write, the Lambda timed out after the run was recorded) meets the run it created itself:
// same execution, same parameters → it continues that run. The same run id with other
// parameters, or created by another execution, is refused in one line, and that run is left
// untouched (RunConflictError ends the execution without Finalize).
import { createHash } from 'node:crypto';
import { RunConflictError, UsageError } from '../errors.js';
import type { NewRun, RunRecord } from '../state/records.js';
import type { RunStore } from '../state/run-store.js';

/** What the run was asked for (not what the range resolved to: a `to:` query may move between attempts). */
export interface PlanParameters {
  version: number;
  from?: Date;
  to?: Date;
  window?: string;
  concurrency: number;
  order?: string;
  targetName?: string;
  definitionChecksum: string;
}

export function planKeyOf(p: PlanParameters): string {
  const canonical = [p.version, p.from?.toISOString() ?? '', p.to?.toISOString() ?? '', p.window ?? '', p.concurrency, p.order ?? 'oldest-first', p.targetName ?? '', p.definitionChecksum];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 32);
}

/** Creates the run, or, when this execution's earlier Plan already did with the same parameters, returns that run. */
export async function createOrContinueRun(runs: RunStore, run: NewRun): Promise<RunRecord> {
  try {
    return await runs.createRun(run);
  } catch (error) {
    if (!(error instanceof UsageError) || run.plannedBy === undefined) throw error;
    const existing = await runs.getRun(run.runId);
    if (!existing) throw error;
    if (existing.planKey !== run.planKey) {
      throw new RunConflictError(`run ${run.runId} already exists with other parameters (migration ${existing.migrationVersion}, ${existing.rangeStart} … ${existing.rangeEnd}, window ${existing.windowSize}, concurrency ${existing.concurrency}): refused, that run is left as it is; start this one under a new run id`);
    }
    if (existing.plannedBy !== run.plannedBy) {
      throw new RunConflictError(`run ${run.runId} already exists, planned by execution ${existing.plannedBy ?? 'unknown (the CLI)'}: refused, that run is left as it is; resume it or start a new run id`);
    }
    return existing;
  }
}
