// TimescaleDB's own catalog, read for verify: hypertables (time column, chunk interval),
// continuous aggregates (definition, materialized_only, bucket), compression settings and
// the policy jobs (retention, compression, refresh). Every text is printed by the server
// (interval::text, jsonb::text, pg_get_viewdef), so a scratch schema and the live database
// on one server print identical text for identical objects. Names in the current schema
// (the scratch schema, first on its search_path; `public` on the live side) come back
// unqualified, as the rest of the PostgreSQL snapshot names them.
import type { Executor } from '../driver.js';

export type HypertableRow = {
  name: string;
  time_column: string;
  /** `1 day`, or an integer interval for integer time columns. */
  chunk_interval: string | null;
  compression_enabled: boolean;
  segmentby: string | null;
  orderby: string | null;
};

export type ContinuousAggregateRow = {
  name: string;
  hypertable: string;
  materialized_only: boolean;
  /** The aggregate's SELECT (not the view over its materialization table, which is named by an internal id). */
  definition: string;
  /** `public.time_bucket(interval,timestamp with time zone) 01:00:00`, with origin, offset and time zone when set. */
  bucket: string | null;
};

export type PolicyRow = {
  proc: string;
  /** The hypertable or continuous aggregate the job works on. */
  relation: string;
  schedule_interval: string;
  /** The job's config without the internal hypertable ids, as jsonb text. */
  config: string;
};

export interface TimescaleCatalog {
  hypertables: HypertableRow[];
  continuousAggregates: ContinuousAggregateRow[];
  policies: PolicyRow[];
}

/** The policy procedures verify compares; other (user-defined) jobs are left alone. */
export const POLICY_PROCS = ['policy_retention', 'policy_compression', 'policy_refresh_continuous_aggregate', 'policy_reorder'] as const;

// `{schema}` bound: that schema only (a verify scratch). Otherwise every user schema but verify's scratches.
const scope = (column: string, one: boolean) =>
  one ? `${column} = {schema}` : `${column} NOT LIKE '\\_timescaledb%' AND ${column} NOT LIKE 'hourglass\\_verify\\_%'`;
const display = (schema: string, name: string) => `CASE WHEN ${schema} = current_schema() THEN ${name}::text ELSE ${schema} || '.' || ${name} END`;

const HYPERTABLES = (one: boolean) => `SELECT ${display('h.hypertable_schema', 'h.hypertable_name')} AS name,
       d.column_name::text AS time_column, COALESCE(d.time_interval::text, d.integer_interval::text) AS chunk_interval,
       h.compression_enabled, s.segmentby, s.orderby
  FROM timescaledb_information.hypertables h
  LEFT JOIN timescaledb_information.dimensions d
    ON d.hypertable_schema = h.hypertable_schema AND d.hypertable_name = h.hypertable_name AND d.dimension_number = 1
  LEFT JOIN timescaledb_information.hypertable_compression_settings s
    ON s.hypertable = format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass
 WHERE ${scope('h.hypertable_schema', one)}
 ORDER BY 1`;

const CONTINUOUS_AGGREGATES = (one: boolean) => `SELECT ${display('c.view_schema', 'c.view_name')} AS name,
       ${display('c.hypertable_schema', 'c.hypertable_name')} AS hypertable,
       c.materialized_only, c.view_definition AS definition,
       concat_ws(' ', b.bucket_func::text, b.bucket_width, 'origin ' || b.bucket_origin, 'offset ' || b.bucket_offset, 'timezone ' || b.bucket_timezone) AS bucket
  FROM timescaledb_information.continuous_aggregates c
  JOIN _timescaledb_catalog.continuous_agg a ON a.user_view_schema = c.view_schema AND a.user_view_name = c.view_name
  LEFT JOIN _timescaledb_catalog.continuous_aggs_bucket_function b ON b.mat_hypertable_id = a.mat_hypertable_id
 WHERE ${scope('c.view_schema', one)}
 ORDER BY 1`;

const POLICIES = (one: boolean) => `SELECT j.proc_name::text AS proc, ${display('j.hypertable_schema', 'j.hypertable_name')} AS relation,
       j.schedule_interval::text AS schedule_interval, (j.config - 'hypertable_id' - 'mat_hypertable_id')::text AS config
  FROM timescaledb_information.jobs j
 WHERE j.proc_schema = '_timescaledb_functions' AND j.proc_name IN (${POLICY_PROCS.map((p) => `'${p}'`).join(', ')})
   AND j.hypertable_name IS NOT NULL AND ${scope('j.hypertable_schema', one)}
 ORDER BY 1, 2`;

/** `schema`: only that schema (a verify scratch schema). */
export async function readTimescaleCatalog(exec: Executor, opts: { schema?: string } = {}): Promise<TimescaleCatalog> {
  const one = opts.schema !== undefined;
  const params = one ? { schema: opts.schema! } : undefined;
  return {
    hypertables: await exec.query<HypertableRow>(HYPERTABLES(one), params),
    continuousAggregates: await exec.query<ContinuousAggregateRow>(CONTINUOUS_AGGREGATES(one), params),
    policies: await exec.query<PolicyRow>(POLICIES(one), params),
  };
}

/** The schema the timescaledb extension is installed in (its API, time_bucket, live there), or null without it. */
export async function timescaleSchema(exec: Pick<Executor, 'query'>): Promise<string | null> {
  const [row] = await exec.query<{ schema: string }>("SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'timescaledb'");
  return row?.schema ?? null;
}
