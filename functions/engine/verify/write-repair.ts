// `verify --write`: saves the repair as the next numbered migration, for review and a
// normal `apply`. Refuses when there is nothing to run (only rebuilds or notes).
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { MigrationSet } from '../migrations/set.js';
import type { RepairPlan } from './types.js';

export const REPAIR_MIGRATION_NAME = 'repair_schema_drift';

/** Writes `NNNN_repair_schema_drift.up.sql` into the set's folder and returns its path. */
export function writeRepairMigration(set: MigrationSet, repair: RepairPlan): string {
  if (repair.statements.length === 0) {
    const why = repair.rebuilds.length > 0 ? 'what differs can only be fixed by a rebuild (see --repair-sql)' : 'no repair statements';
    throw new UsageError(`nothing to write: ${why}`);
  }
  const version = Math.max(0, ...set.migrations.map((m) => m.version)) + 1;
  const width = Math.max(4, ...versionWidths(set.dir));
  const path = join(set.dir, `${String(version).padStart(width, '0')}_${REPAIR_MIGRATION_NAME}.up.sql`);
  // 'wx': never overwrite a file someone wrote meanwhile.
  writeFileSync(path, repair.sql, { flag: 'wx' });
  return path;
}

/** How wide the folder's version numbers are written (0001 → 4), so the new file sorts with them. */
function versionWidths(dir: string): number[] {
  return readdirSync(dir).map((f) => /^(\d+)_/.exec(f)?.[1]?.length ?? 0);
}
