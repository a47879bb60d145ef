// The pure parts of verify: type conversions a materialized view relies on, ClickHouse's
// engine_full clauses, PostgreSQL index definitions without their names, database
// qualifiers, and matching by name and definition.
import { describe, expect, it } from 'vitest';
import { parseEngineFull } from '../../functions/engine/verify/clickhouse-engine-clauses.js';
import { viewTarget } from '../../functions/engine/verify/clickhouse-introspect.js';
import { conversion, sameModuloLowCardinality, withoutLowCardinality } from '../../functions/engine/verify/clickhouse-types.js';
import { findDuplicates, matchNamed } from '../../functions/engine/verify/compare-named.js';
import { selectExpression } from '../../functions/engine/verify/freshness-columns.js';
import { stripDatabase } from '../../functions/engine/verify/normalize.js';
import { indexDefinition } from '../../functions/engine/verify/postgres-introspect.js';

describe('ClickHouse type conversions', () => {
  it.each([
    ['Float32', 'Float64', 'exact'], ['Float64', 'Float32', 'lossy'], ['Int32', 'UInt32', 'lossy'], ['UInt32', 'Int64', 'exact'],
    ['UInt32', 'Int32', 'lossy'], ['Int16', 'Float32', 'exact'], ['Int64', 'Float64', 'lossy'], ['UInt8', 'Bool', 'exact'],
    ['String', 'LowCardinality(String)', 'exact'], ['Nullable(String)', 'String', 'exact'], ['String', 'Float64', 'incompatible'],
    ['DateTime', "DateTime64(3, 'UTC')", 'exact'], ['DateTime64(9)', 'DateTime64(3)', 'lossy'], ['DateTime64(3)', 'Date', 'lossy'],
    ['Map(LowCardinality(String), String)', 'Map(String, String)', 'exact'], ['Array(Float64)', 'Array(Float32)', 'lossy'],
    ['Decimal(10, 2)', 'Decimal(18, 4)', 'exact'], ['Decimal(18, 4)', 'Decimal(10, 2)', 'lossy'], ['Enum8(\'a\' = 1)', 'String', 'exact'],
  ])('%s → %s is %s', (from, to, expected) => {
    expect(conversion(from, to)).toBe(expected);
  });

  it('tells an encoding change from a type change', () => {
    expect(withoutLowCardinality('Map(LowCardinality(String), Array(LowCardinality(Nullable(String))))')).toBe('Map(String, Array(Nullable(String)))');
    expect(sameModuloLowCardinality('LowCardinality(String)', 'String')).toBe(true);
    expect(sameModuloLowCardinality('LowCardinality(String)', 'FixedString(8)')).toBe(false);
  });
});

describe('ClickHouse DDL text', () => {
  it('splits engine_full into the engine, TTL and settings', () => {
    expect(parseEngineFull("ReplacingMergeTree(ts) PARTITION BY toDate(ts) ORDER BY (a, ts) TTL toDateTime(ts) + toIntervalDay(30) SETTINGS index_granularity = 8192", 'ReplacingMergeTree'))
      .toEqual({ engine: 'ReplacingMergeTree(ts)', ttl: 'toDateTime(ts) + toIntervalDay(30)', settings: 'index_granularity = 8192' });
    expect(parseEngineFull("ReplicatedMergeTree('/t/{shard} ORDER BY', '{replica}') ORDER BY a", 'ReplicatedMergeTree').engine)
      .toBe("ReplicatedMergeTree('/t/{shard} ORDER BY', '{replica}')");
    expect(parseEngineFull('', 'Memory')).toEqual({ engine: 'Memory', ttl: null, settings: null });
  });

  it('finds a materialized view\'s TO table', () => {
    expect(viewTarget('CREATE MATERIALIZED VIEW mv TO tgt (`a` String) AS SELECT a FROM src')).toBe('tgt');
    expect(viewTarget('CREATE MATERIALIZED VIEW mv REFRESH EVERY 1 HOUR TO `my tgt` (`a` String) AS SELECT 1')).toBe('my tgt');
    expect(viewTarget('CREATE MATERIALIZED VIEW mv (`a` String) ENGINE = MergeTree ORDER BY a AS SELECT a FROM src')).toBeNull();
  });

  it('removes the database qualifier, not look-alikes or string contents', () => {
    expect(stripDatabase("SELECT a FROM metrics.src JOIN `metrics`.b USING (k) WHERE x = 'metrics.src' AND t.metrics = 1", 'metrics'))
      .toBe("SELECT a FROM src JOIN b USING (k) WHERE x = 'metrics.src' AND t.metrics = 1");
  });

  it('finds the expression a SELECT list item is computed from', () => {
    expect(selectExpression("SELECT a, toStartOfMinute(TimeUnix) AS ts, max(v) AS m FROM s WHERE x IN (SELECT 1 FROM y) GROUP BY a", 'ts')).toBe('toStartOfMinute(TimeUnix)');
    expect(selectExpression('SELECT TraceId, Timestamp FROM otel_traces', 'Timestamp')).toBe('Timestamp');
    expect(selectExpression('SELECT a FROM s', 'missing')).toBeNull();
  });
});

describe('PostgreSQL index definitions and matching', () => {
  it('takes the name and table out of an index definition', () => {
    expect(indexDefinition('CREATE UNIQUE INDEX spans_pkey ON public.spans USING btree (span_id)')).toBe('UNIQUE USING btree (span_id)');
    expect(indexDefinition('CREATE INDEX "Odd Name" ON ONLY "My Schema"."T" USING gin (attributes jsonb_path_ops) WHERE (x > 1)'))
      .toBe('USING gin (attributes jsonb_path_ops) WHERE (x > 1)');
  });

  it('matches by name, then by definition; the rest is missing or extra', () => {
    const e = [{ name: 'a', definition: 'X' }, { name: 'b', definition: 'Y' }, { name: 'c', definition: 'Z' }];
    const l = [{ name: 'a', definition: 'X2' }, { name: 'b_old', definition: 'Y' }, { name: 'd', definition: 'W' }];
    const m = matchNamed(e, l);
    expect(m.changed.map((x) => x.live.name)).toEqual(['a']);
    expect(m.renamed.map((x) => [x.expected.name, x.live.name])).toEqual([['b', 'b_old']]);
    expect(m.missing.map((x) => x.name)).toEqual(['c']);
    expect(m.extra.map((x) => x.name)).toEqual(['d']);
  });

  it('keeps the copy the migrations name (or a constraint\'s index) and drops the duplicate', () => {
    const live = [{ name: 'idx_old', definition: 'D' }, { name: 'idx_new', definition: 'D' }, { name: 'other', definition: 'E' }];
    expect(findDuplicates(live, new Set(['idx_new'])).map((d) => [d.keep.name, d.drop.name])).toEqual([['idx_new', 'idx_old']]);
    expect(findDuplicates(live, new Set(), (i) => i.name === 'idx_old').map((d) => d.drop.name)).toEqual(['idx_new']);
  });
});
