// Pinned code: a run records the checksum of the backfill definition it planned, and a window
// batch whose bundle carries another one (a `cdk deploy` mid-run swapped the SQL under it)
// fails its windows with one line, before any statement runs, rather than mix two versions
// of the backfill in one run.
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { backfillText, type MigrationSet } from '../migrations/set.js';
import type { RunRecord, WindowRecord } from '../state/records.js';

/** sha256 (hex) of the backfill definition text of `version`: the .backfill.sql file, or a TypeScript migration's `backfill`. */
export async function definitionChecksum(set: MigrationSet, version: number): Promise<string> {
  const migration = set.migrations.find((m) => m.version === version);
  const text = migration && (await backfillText(migration));
  if (text === undefined) throw new UsageError(`migration ${version} has no backfill in ${set.dir}`);
  return createHash('sha256').update(text).digest('hex');
}

export function changedDefinitionMessage(run: Pick<RunRecord, 'runId' | 'definitionChecksum'>, current: string): string {
  return `the backfill definition changed during run ${run.runId} (planned ${run.definitionChecksum?.slice(0, 12)}, this code ${current.slice(0, 12)}): its windows run only the definition they were planned with; start a new run`;
}

/**
 * A `beforeWindow` hook (executor) that fails every window it is given when the run pinned
 * another definition: the window is claimed, recorded failed with the line, and no statement
 * runs. Undefined when the run pinned none (planned before pinning) or the same one.
 */
export async function pinnedDefinitionGuard(set: MigrationSet, run: RunRecord): Promise<((w: WindowRecord) => void) | undefined> {
  if (!run.definitionChecksum) return undefined;
  const current = await definitionChecksum(set, run.migrationVersion);
  if (current === run.definitionChecksum) return undefined;
  const message = changedDefinitionMessage(run, current);
  return () => {
    throw new DefinitionChangedError(message);
  };
}

/** A window refused because the definition changed: data on the window record, not an infrastructure error. */
export class DefinitionChangedError extends Error {
  override name = 'DefinitionChangedError';
}
