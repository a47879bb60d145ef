// The TimescaleDB part of a PostgreSQL snapshot. A continuous aggregate is a view over its
// materialization hypertable, whose name carries an internal id (`_materialized_hypertable_7`)
// that differs between the scratch build and the live database: its view entry is given the
// aggregate's own SELECT instead, so the definitions compare, and a repair can recreate it.
import type { Executor } from '../drivers/driver.js';
import { readTimescaleCatalog } from '../drivers/postgres/timescale-catalog.js';
import { quoteName } from './quote.js';
import type { ContinuousAggregateInfo, PolicyInfo, PolicyKind, SchemaSnapshot, TimescaleSnapshot } from './types.js';

const KIND_OF_PROC: Record<string, PolicyKind> = {
  policy_retention: 'retention',
  policy_compression: 'compression',
  policy_refresh_continuous_aggregate: 'refresh',
  policy_reorder: 'reorder',
};

export async function addTimescale(snapshot: SchemaSnapshot, exec: Executor, opts: { schema?: string } = {}): Promise<SchemaSnapshot> {
  const catalog = await readTimescaleCatalog(exec, opts);
  const timescale: TimescaleSnapshot = {
    hypertables: catalog.hypertables.map((h) => ({
      name: h.name, timeColumn: h.time_column, chunkInterval: h.chunk_interval,
      compressionEnabled: h.compression_enabled, segmentby: h.segmentby, orderby: h.orderby,
    })),
    continuousAggregates: catalog.continuousAggregates.map((c): ContinuousAggregateInfo => ({
      name: c.name, hypertable: c.hypertable, materializedOnly: c.materialized_only, bucket: c.bucket,
    })),
    policies: catalog.policies.map((p): PolicyInfo => ({
      kind: KIND_OF_PROC[p.proc]!, relation: p.relation, scheduleInterval: p.schedule_interval, config: JSON.parse(p.config) as Record<string, unknown>,
    })),
  };
  const definitions = new Map(catalog.continuousAggregates.map((c) => [c.name, c]));
  const views = snapshot.views.map((v) => {
    const cagg = definitions.get(v.name);
    if (!cagg) return v;
    const query = cagg.definition.trim().replace(/;$/, '');
    return { ...v, materialized: true, query, createSql: createContinuousAggregateSql(v.name, query, cagg.materialized_only) };
  });
  return { ...snapshot, views, timescale };
}

/** WITH NO DATA: the history is materialized by a refresh (a `refresh` backfill), never inside a migration. */
export function createContinuousAggregateSql(name: string, query: string, materializedOnly: boolean): string {
  return `CREATE MATERIALIZED VIEW ${quoteName('postgres', name)} WITH (timescaledb.continuous, timescaledb.materialized_only = ${materializedOnly}) AS\n${query}\nWITH NO DATA`;
}
