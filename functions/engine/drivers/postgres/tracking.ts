// The tracking table `hourglass_migrations` on PostgreSQL: one row per version, upserted,
// so a migration and its "applied" row can commit in the same transaction.
import type { Executor, MigrationStatus, TrackingRow } from '../driver.js';

export const TRACKING_TABLE = 'hourglass_migrations';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${TRACKING_TABLE} (
  version bigint PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'applied', 'failed', 'reverted')),
  started_at timestamptz NOT NULL,
  finished_at timestamptz NULL,
  duration_ms bigint NULL,
  error text NULL,
  statements_done integer NOT NULL DEFAULT 0,
  run_id text NOT NULL,
  cutover timestamptz NULL,
  recorded_by text NULL,
  reason text NULL
)`;

// Tables created before baseline/repair lack these. Looked up first: ALTER TABLE takes an
// ACCESS EXCLUSIVE lock even when IF NOT EXISTS finds nothing to do.
const RECORDED_COLUMNS = ['recorded_by', 'reason'];

export async function ensureTrackingTable(executor: Executor): Promise<void> {
  try {
    await executor.exec(CREATE_TABLE);
  } catch (error) {
    // Two processes creating it at once: IF NOT EXISTS still races on the catalog.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P07') throw error;
  }
  const present = await executor.query<{ name: string }>(
    'SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass({table}) AND NOT attisdropped',
    { table: TRACKING_TABLE },
  );
  const names = new Set(present.map((r) => r.name));
  const missing = RECORDED_COLUMNS.filter((c) => !names.has(c));
  if (missing.length > 0) await executor.exec(`ALTER TABLE ${TRACKING_TABLE} ${missing.map((c) => `ADD COLUMN IF NOT EXISTS ${c} text NULL`).join(', ')}`);
}

interface TrackingRecord {
  version: number;
  name: string;
  checksum: string;
  status: MigrationStatus;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  error: string | null;
  statements_done: number;
  run_id: string;
  cutover: Date | null;
  /** Absent in a table from before baseline/repair. */
  recorded_by?: string | null;
  reason?: string | null;
}

export async function readTracking(executor: Executor): Promise<TrackingRow[]> {
  // to_regclass follows search_path like the unqualified name in CREATE_TABLE does.
  const [found] = await executor.query<{ present: boolean }>('SELECT to_regclass({table}) IS NOT NULL AS present', { table: TRACKING_TABLE });
  if (!found?.present) return [];
  const records = await executor.query<TrackingRecord & Record<string, unknown>>(
    // `*`: a table from before baseline/repair has no recorded_by/reason, and reads never alter it.
    `SELECT * FROM ${TRACKING_TABLE} ORDER BY version`,
  );
  return records.map((record) => ({
    version: record.version,
    name: record.name,
    checksum: record.checksum,
    status: record.status,
    startedAt: record.started_at,
    finishedAt: record.finished_at,
    durationMs: record.duration_ms,
    error: record.error,
    statementsDone: record.statements_done,
    runId: record.run_id,
    cutover: record.cutover,
    recordedBy: record.recorded_by ?? null,
    reason: record.reason ?? null,
  }));
}

export async function writeTracking(executor: Executor, row: TrackingRow): Promise<void> {
  await executor.exec(
    `INSERT INTO ${TRACKING_TABLE} (version, name, checksum, status, started_at, finished_at, duration_ms, error, statements_done, run_id, cutover, recorded_by, reason)
     VALUES ({version}, {name}, {checksum}, {status}, {startedAt}, {finishedAt}, {durationMs}, {error}, {statementsDone}, {runId}, {cutover}, {recordedBy}, {reason})
     ON CONFLICT (version) DO UPDATE SET
       name = EXCLUDED.name, checksum = EXCLUDED.checksum, status = EXCLUDED.status,
       started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms,
       error = EXCLUDED.error, statements_done = EXCLUDED.statements_done, run_id = EXCLUDED.run_id, cutover = EXCLUDED.cutover,
       recorded_by = EXCLUDED.recorded_by, reason = EXCLUDED.reason`,
    {
      version: row.version,
      name: row.name,
      checksum: row.checksum,
      status: row.status,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      durationMs: row.durationMs === null ? null : Math.round(row.durationMs), // bigint column: no fractions
      error: row.error,
      statementsDone: row.statementsDone,
      runId: row.runId,
      cutover: row.cutover,
      recordedBy: row.recordedBy ?? null,
      reason: row.reason ?? null,
    },
  );
}
