// Joins what the folder says with what the tracking table says. Pure: no I/O.
import { ChecksumMismatchError, MissingMigrationError } from '../errors.js';
import type { TrackingRow } from '../drivers/driver.js';
import type { Migration, MigrationSet } from '../migrations/set.js';

/** The run id of tracking rows `hourglass baseline` wrote. */
export const BASELINE_RUN_ID = 'baseline';

export type MigrationState = 'applied' | 'pending' | 'failed' | 'running' | 'changed' | 'missing';

export interface MigrationStatus {
  version: number;
  name: string;
  state: MigrationState;
  checksum: string;
  /** The checksum recorded when applied, where it differs. */
  recordedChecksum?: string;
  appliedAt?: string;
  /** How long the apply took; null for a row recorded without one (baseline, or before durations were kept). */
  durationMs?: number | null;
  /** Recorded by `baseline`, not applied by hourglass. */
  baseline?: boolean;
  /** Who recorded a baseline or repair, and why. */
  recordedBy?: string;
  reason?: string;
  error?: string;
  statementsDone?: number;
}

export interface StatusResult {
  target: string;
  databaseVersion: number | null;
  codeVersion: number;
  migrations: MigrationStatus[];
  warnings: string[];
}

export function computeStatus(target: string, set: MigrationSet, rows: TrackingRow[]): StatusResult {
  const byVersion = new Map(rows.map((row) => [row.version, row]));
  const migrations: MigrationStatus[] = set.migrations.map((m) => statusOf(m, byVersion.get(m.version)));
  const known = new Set(set.migrations.map((m) => m.version));
  for (const row of rows) {
    if (known.has(row.version) || row.status === 'reverted') continue;
    migrations.push({ version: row.version, name: row.name, state: 'missing', checksum: row.checksum });
  }
  migrations.sort((a, b) => a.version - b.version);
  const applied = rows.filter((r) => r.status === 'applied').map((r) => r.version);
  return {
    target,
    databaseVersion: applied.length ? Math.max(...applied) : null,
    codeVersion: set.migrations.length ? set.migrations[set.migrations.length - 1].version : 0,
    migrations,
    warnings: set.warnings,
  };
}

function statusOf(m: Migration, row: TrackingRow | undefined): MigrationStatus {
  const base = { version: m.version, name: m.name, checksum: m.checksum };
  if (!row || row.status === 'reverted') return { ...base, state: 'pending' };
  if (row.status === 'applied') {
    const recorded = {
      appliedAt: row.finishedAt?.toISOString(),
      durationMs: row.durationMs,
      ...(row.runId === BASELINE_RUN_ID ? { baseline: true } : {}),
      ...(row.recordedBy ? { recordedBy: row.recordedBy } : {}),
      ...(row.reason ? { reason: row.reason } : {}),
    };
    if (row.checksum !== m.checksum) return { ...base, state: 'changed', recordedChecksum: row.checksum, ...recorded };
    return { ...base, state: 'applied', ...recorded };
  }
  return { ...base, state: row.status, error: row.error ?? undefined, statementsDone: row.statementsDone };
}

/** sqlx-style guard: a changed or missing applied migration stops everything before any work. */
export function assertNoDrift(status: StatusResult): void {
  for (const m of status.migrations) {
    if (m.state === 'changed') throw new ChecksumMismatchError(m.version, m.name, m.recordedChecksum ?? '', m.checksum);
    if (m.state === 'missing') throw new MissingMigrationError(m.version, m.name);
  }
}
