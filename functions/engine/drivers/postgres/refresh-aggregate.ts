// The `refresh` strategy on TimescaleDB: CALL refresh_continuous_aggregate over a window (or a
// group's span). TimescaleDB refreshes only the buckets that lie wholly inside the window it is
// given ("inscribed"), so a window that is not a whole number of buckets, or not on their grid,
// would leave a bucket on its edge never refreshed: refused at plan. The bounds are cast to the
// aggregate's time type (an untyped parameter is "could not determine data type").
import type { BackfillDefinition } from '../../backfill/definition.js';
import { formatWindowSize } from '../../backfill/duration.js';
import { OperationError, UsageError } from '../../errors.js';
import type { PlannedStatement } from '../backfill-dialect.js';
import type { Driver, Executor } from '../driver.js';
import { qualifiedName, windowParams, type TimeSpan } from '../window-range.js';

export interface AggregateBuckets {
  /** The bucket column (the materialization hypertable's time dimension). */
  bucketColumn: string;
  /** `timestamp with time zone`, `timestamp without time zone`, `date`, or an integer type. */
  timeType: string;
  /** Bucket width in ms; null for a variable width (months) or integer time. */
  bucketMs: number | null;
  /** Where the bucket grid starts, in epoch ms (origin + offset); time_bucket's default origin is 2000-01-03. */
  gridMs: number;
  timezone: string | null;
}

const DEFAULT_ORIGIN_MS = Date.UTC(2000, 0, 3);
const TIME_TYPES = new Set(['timestamp with time zone', 'timestamp without time zone', 'date']);
const CASTS: Record<string, string> = { 'timestamp with time zone': 'timestamptz', 'timestamp without time zone': 'timestamp', date: 'date' };

const BUCKETS_SQL = `SELECT d.column_name AS bucket_column, d.column_type AS time_type, bf.bucket_fixed_width AS fixed,
       CASE WHEN d.column_type IN ('timestamp with time zone', 'timestamp without time zone', 'date') AND bf.bucket_fixed_width
            THEN (extract(epoch FROM bf.bucket_width::interval) * 1000)::bigint END AS bucket_ms,
       CASE WHEN bf.bucket_origin IS NOT NULL AND d.column_type IN ('timestamp with time zone', 'timestamp without time zone', 'date')
            THEN (extract(epoch FROM bf.bucket_origin::timestamptz) * 1000)::bigint END AS origin_ms,
       CASE WHEN bf.bucket_offset IS NOT NULL AND d.column_type IN ('timestamp with time zone', 'timestamp without time zone', 'date')
            THEN (extract(epoch FROM bf.bucket_offset::interval) * 1000)::bigint END AS offset_ms,
       bf.bucket_timezone AS timezone
  FROM _timescaledb_catalog.continuous_agg ca
  JOIN _timescaledb_catalog.continuous_aggs_bucket_function bf ON bf.mat_hypertable_id = ca.mat_hypertable_id
  JOIN _timescaledb_catalog.hypertable h ON h.id = ca.mat_hypertable_id
  JOIN timescaledb_information.dimensions d ON d.hypertable_schema = h.schema_name AND d.hypertable_name = h.table_name AND d.dimension_number = 1
 WHERE to_regclass({view}) = format('%I.%I', ca.user_view_schema, ca.user_view_name)::regclass`;

type BucketRow = { bucket_column: string; time_type: string; bucket_ms: number | null; origin_ms: number | null; offset_ms: number | null; timezone: string | null };

/** The bucket of continuous aggregate `view`; null when `view` is not one. */
export async function aggregateBuckets(exec: Pick<Executor, 'query'>, view: string): Promise<AggregateBuckets | null> {
  const [row] = await exec.query<BucketRow>(BUCKETS_SQL, { view });
  if (!row) return null;
  const bucketMs = row.bucket_ms === null ? null : Number(row.bucket_ms);
  return {
    bucketColumn: row.bucket_column,
    timeType: row.time_type,
    bucketMs,
    gridMs: (row.origin_ms === null ? DEFAULT_ORIGIN_MS : Number(row.origin_ms)) + (row.offset_ms === null ? 0 : Number(row.offset_ms)),
    timezone: row.timezone,
  };
}

const mod = (a: number, b: number) => ((a % b) + b) % b;

/** Plan time: TimescaleDB is there, the target is a continuous aggregate, and every window covers whole buckets on their grid. */
export async function assertRefreshable(driver: Driver, def: BackfillDefinition): Promise<void> {
  const fail = (problem: string): never => {
    throw new UsageError(`strategy refresh: ${problem}`);
  };
  if (!(await driver.hasTimescaleDb())) fail(`needs TimescaleDB, but the timescaledb extension is not installed on ${driver.display}`);
  const b = await aggregateBuckets(driver, qualifiedName(driver, def.target));
  if (!b) return fail(`${def.target} is not a continuous aggregate on ${driver.display}`);
  if (!TIME_TYPES.has(b.timeType)) fail(`${def.target} buckets an integer time column (${b.timeType}); windows are times, so only timestamp, timestamptz and date aggregates can be refreshed window by window`);
  if (b.bucketMs === null) fail(`${def.target} has variable-width buckets (months or years): a window of ${def.window} cannot cover whole buckets`);
  if (b.timezone !== null && b.timezone.toUpperCase() !== 'UTC') fail(`${def.target} buckets in time zone ${b.timezone}: windows are UTC hours, so its buckets are off their grid`);
  if (def.timeColumn !== b.bucketColumn) fail(`time-column must be the bucket column of ${def.target}, "${b.bucketColumn}", not "${def.timeColumn}"`);
  const bucket = formatWindowSize(b.bucketMs!);
  if (def.windowMs < b.bucketMs!) fail(`window ${def.window} is smaller than the bucket (${bucket}) of ${def.target}: TimescaleDB refreshes only whole buckets, so no window would refresh anything (use window: ${bucket} or a multiple of it)`);
  if (def.windowMs % b.bucketMs! !== 0) fail(`window ${def.window} is not a whole number of buckets (${bucket}) of ${def.target}: the bucket across each window edge would never be refreshed (use a multiple of ${bucket})`);
  if (mod(b.gridMs, b.bucketMs!) !== 0) fail(`the buckets (${bucket}) of ${def.target} start at ${new Date(b.gridMs).toISOString()} + n×${bucket}, off the ${def.window} window grid (epoch-aligned): set the aggregate's origin to an epoch-aligned time or use a smaller bucket`);
}

/** One refresh over `span` (a window or a group's [first start, last end)), outside any transaction. */
export async function refreshAggregate(exec: Executor, driver: Driver, def: BackfillDefinition, span: TimeSpan): Promise<void> {
  const b = await aggregateBuckets(exec, qualifiedName(driver, def.target));
  if (!b) throw new OperationError(`strategy refresh: ${def.target} is no longer a continuous aggregate`);
  const call = refreshCall(driver, def, span, b);
  await exec.exec(call.sql, call.params);
}

/** The CALL for `span`; bounds cast to the aggregate's time type (timestamptz while it cannot be read). */
function refreshCall(driver: Driver, def: BackfillDefinition, span: TimeSpan, b: AggregateBuckets | null): PlannedStatement {
  const cast = (b && CASTS[b.timeType]) ?? 'timestamptz';
  // Everything bound; the view quoted, as every other statement on the target names it.
  return { sql: `CALL refresh_continuous_aggregate({view}::regclass, {window_start}::${cast}, {window_end}::${cast})`, params: { view: qualifiedName(driver, def.target), ...windowParams(span) } };
}

/** What refreshAggregate would run over `span` (one catalog read). */
export async function refreshAggregateStatement(driver: Driver, def: BackfillDefinition, span: TimeSpan): Promise<PlannedStatement> {
  const b = await aggregateBuckets(driver, qualifiedName(driver, def.target));
  return { ...refreshCall(driver, def, span, b), note: 'outside any transaction (TimescaleDB refuses one)' };
}
