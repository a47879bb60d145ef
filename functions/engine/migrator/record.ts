// Tracking rows written by hand, not by running a migration: `baseline` (start tracking a
// database built before hourglass) and `repair` (accept an intended edit of an applied file).
// Both only decide here what to write; the Migrator checks and writes under its lock.
import type { TrackingRow } from '../drivers/driver.js';
import { UsageError } from '../errors.js';
import type { MigrationSet } from '../migrations/set.js';
import { BASELINE_RUN_ID, computeStatus } from './status.js';

export interface RecordedBy {
  /** Who: the OS user (user@host) or --by. */
  by: string;
  /** Why (repair: required; baseline: optional, stored as "baseline[: why]"). */
  reason?: string;
}

/** Refuses a version the folder does not have. */
export function knownVersion(set: MigrationSet, version: number, command: string): void {
  if (!set.migrations.some((m) => m.version === version)) throw new UsageError(`${command}: unknown version ${version}: no migration with that number in ${set.dir}`);
}

/** The rows that mark every migration up to `version` applied, or a refusal when anything is recorded. */
export function baselineRows(set: MigrationSet, rows: TrackingRow[], version: number, who: RecordedBy, now: Date): TrackingRow[] {
  knownVersion(set, version, 'baseline');
  if (rows.length > 0) {
    const versions = rows.map((r) => r.version);
    throw new UsageError(`baseline: this target already tracks migrations (${versions.length} recorded, up to ${Math.max(...versions)}): baseline only starts tracking a database hourglass has not migrated`);
  }
  return set.migrations.filter((m) => m.version <= version).map((m) => ({
    version: m.version, name: m.name, checksum: m.checksum, status: 'applied', startedAt: now, finishedAt: now, durationMs: null,
    error: null, statementsDone: 0, runId: BASELINE_RUN_ID, cutover: null, recordedBy: who.by, reason: who.reason ? `baseline: ${who.reason}` : 'baseline',
  }));
}

/** The applied row of `version` with the file's current checksum, or a refusal when there is nothing to repair. */
export function repairRow(display: string, set: MigrationSet, rows: TrackingRow[], version: number, who: RecordedBy): TrackingRow {
  knownVersion(set, version, 'repair');
  const status = computeStatus(display, set, rows).migrations.find((m) => m.version === version)!;
  if (status.state === 'applied') throw new UsageError(`repair: migration ${version} (${status.name}) matches its recorded checksum: nothing to repair`);
  if (status.state !== 'changed') throw new UsageError(`repair: migration ${version} (${status.name}) is ${status.state}, not applied: only an applied migration's checksum can be repaired`);
  const row = rows.find((r) => r.version === version)!;
  return { ...row, name: status.name, checksum: status.checksum, recordedBy: who.by, reason: who.reason ?? null };
}
