// The tracking table `hourglass_migrations` on ClickHouse.
//
// ClickHouse has no transactional UPDATE, and mutations (ALTER … UPDATE) are asynchronous
// and heavy. So every state change of a migration is a NEW row, and the latest row of a
// version wins by a strictly increasing `seq`. The engine is ReplacingMergeTree(seq) so
// background merges eventually keep only that latest row, but merges happen whenever
// they happen (and FINAL is version-dependent and costly), so reads never rely on them:
// `argMax(col, seq) … GROUP BY version` returns the latest state whether zero, some or
// all of the old rows were merged away.
import type { ClickHouseClient } from '@clickhouse/client';
import type { MigrationStatus, TrackingRow } from '../driver.js';
import { CLICKHOUSE_SETTINGS } from './connect.js';
import { formatDateTime64 } from './params.js';

export const TRACKING_TABLE = 'hourglass_migrations';

const CREATE_TRACKING_TABLE = `CREATE TABLE IF NOT EXISTS ${TRACKING_TABLE} (
  version UInt64,
  name String,
  checksum String,
  status LowCardinality(String),
  started_at DateTime64(3, 'UTC'),
  finished_at Nullable(DateTime64(3, 'UTC')),
  duration_ms Nullable(UInt64),
  error Nullable(String),
  statements_done UInt32,
  run_id String,
  cutover Nullable(DateTime64(3, 'UTC')),
  seq UInt64,
  recorded_by Nullable(String),
  reason Nullable(String)
) ENGINE = ReplacingMergeTree(seq)
ORDER BY version`;

// Tables created before baseline/repair lack these; ensureTrackingTable adds them.
const ADD_RECORDED_COLUMNS = `ALTER TABLE ${TRACKING_TABLE} ADD COLUMN IF NOT EXISTS recorded_by Nullable(String), ADD COLUMN IF NOT EXISTS reason Nullable(String)`;

// Aliases differ from the column names: a ClickHouse alias is visible in the whole query,
// and `argMax(name, seq) AS name` would make `name` ambiguous inside the aggregate.
const READ_TRACKING = `SELECT
  version,
  argMax(name, seq) AS latest_name,
  argMax(checksum, seq) AS latest_checksum,
  argMax(status, seq) AS latest_status,
  toUnixTimestamp64Milli(argMax(started_at, seq)) AS latest_started_ms,
  toUnixTimestamp64Milli(argMax(finished_at, seq)) AS latest_finished_ms,
  argMax(duration_ms, seq) AS latest_duration_ms,
  argMax(error, seq) AS latest_error,
  argMax(statements_done, seq) AS latest_statements_done,
  argMax(run_id, seq) AS latest_run_id,
  toUnixTimestamp64Milli(argMax(cutover, seq)) AS latest_cutover_ms{recorded}
FROM ${TRACKING_TABLE}
GROUP BY version
ORDER BY version`;
const READ_RECORDED = `,
  argMax(recorded_by, seq) AS latest_recorded_by,
  argMax(reason, seq) AS latest_reason`;

interface LatestRow {
  version: number;
  latest_name: string;
  latest_checksum: string;
  latest_status: string;
  latest_started_ms: number;
  latest_finished_ms: number | null;
  latest_duration_ms: number | null;
  latest_error: string | null;
  latest_statements_done: number;
  latest_run_id: string;
  latest_cutover_ms: number | null;
  latest_recorded_by?: string | null;
  latest_reason?: string | null;
}

export async function ensureTrackingTable(client: ClickHouseClient): Promise<void> {
  await client.command({ query: CREATE_TRACKING_TABLE, clickhouse_settings: CLICKHOUSE_SETTINGS });
  await client.command({ query: ADD_RECORDED_COLUMNS, clickhouse_settings: CLICKHOUSE_SETTINGS });
}

export async function trackingTableExists(client: ClickHouseClient): Promise<boolean> {
  const rs = await client.query({
    query: 'SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {table:String}',
    query_params: { table: TRACKING_TABLE }, format: 'JSONEachRow', clickhouse_settings: CLICKHOUSE_SETTINGS,
  });
  const rows = await rs.json<{ n: number }>();
  return Number(rows[0]?.n ?? 0) > 0;
}

/**
 * Latest state per version; [] without creating anything when the table does not exist.
 * One request (status is one request after the connection check): the table's absence is
 * ClickHouse's UNKNOWN_TABLE answer, over HTTP and from chdb alike (the error's `type`,
 * not its class: chdb throws from its own copy of @clickhouse/client-common).
 */
export async function readTracking(client: ClickHouseClient): Promise<TrackingRow[]> {
  let rows: LatestRow[];
  const read = async (recorded: string) => (await client.query({ query: READ_TRACKING.replace('{recorded}', recorded), format: 'JSONEachRow', clickhouse_settings: CLICKHOUSE_SETTINGS })).json<LatestRow>();
  try {
    rows = await read(READ_RECORDED);
  } catch (error) {
    const type = (error as { type?: unknown }).type;
    if (type === 'UNKNOWN_TABLE') return [];
    // A table from before baseline/repair (read-only commands never alter it): no such columns yet.
    if (type !== 'UNKNOWN_IDENTIFIER') throw error;
    rows = await read('');
  }
  return rows.map((r) => ({
    version: Number(r.version),
    name: r.latest_name,
    checksum: r.latest_checksum,
    status: r.latest_status as MigrationStatus,
    startedAt: new Date(Number(r.latest_started_ms)),
    finishedAt: r.latest_finished_ms === null ? null : new Date(Number(r.latest_finished_ms)),
    durationMs: r.latest_duration_ms === null ? null : Number(r.latest_duration_ms),
    error: r.latest_error,
    statementsDone: Number(r.latest_statements_done),
    runId: r.latest_run_id,
    cutover: r.latest_cutover_ms === null ? null : new Date(Number(r.latest_cutover_ms)),
    recordedBy: r.latest_recorded_by ?? null,
    reason: r.latest_reason ?? null,
  }));
}

/**
 * Hands out the `seq` of each appended row: microseconds of wall time plus a counter, and
 * never at or below the highest `seq` already stored. The stored maximum is read before
 * every write, not only at open: the previous lease holder (another process, maybe on a
 * machine whose clock runs ahead of ours) may have written after we opened, and a row
 * with a lower seq than its would silently lose to an older state.
 */
export class SequenceClock {
  private last = 0;

  async next(client: ClickHouseClient): Promise<number> {
    const stored = await maxStoredSeq(client);
    const candidate = Math.max(Date.now() * 1000, stored + 1, this.last + 1);
    this.last = candidate;
    return candidate;
  }
}

async function maxStoredSeq(client: ClickHouseClient): Promise<number> {
  const rs = await client.query({ query: `SELECT max(seq) AS s FROM ${TRACKING_TABLE}`, format: 'JSONEachRow', clickhouse_settings: CLICKHOUSE_SETTINGS });
  const rows = await rs.json<{ s: number }>();
  return Number(rows[0]?.s ?? 0);
}

/** Appends the row's state; values go as JSONEachRow data, never into SQL text. */
export async function writeTracking(client: ClickHouseClient, clock: SequenceClock, row: TrackingRow): Promise<void> {
  const seq = await clock.next(client);
  await client.insert({
    table: TRACKING_TABLE,
    format: 'JSONEachRow',
    clickhouse_settings: CLICKHOUSE_SETTINGS,
    values: [{
      version: row.version,
      name: row.name,
      checksum: row.checksum,
      status: row.status,
      started_at: formatDateTime64(row.startedAt),
      finished_at: row.finishedAt === null ? null : formatDateTime64(row.finishedAt),
      duration_ms: row.durationMs === null ? null : Math.max(0, Math.round(row.durationMs)),
      error: row.error,
      statements_done: row.statementsDone,
      run_id: row.runId,
      cutover: row.cutover === null ? null : formatDateTime64(row.cutover),
      seq,
      // Only when set: an old table without these columns still takes apply's and revert's rows.
      ...(row.recordedBy ? { recorded_by: row.recordedBy } : {}),
      ...(row.reason ? { reason: row.reason } : {}),
    }],
  });
}
