// Every ClickHouse rule fires on its positive case and stays silent on the safe rewrite.
import { describe, expect, it } from 'vitest';
import { RULES } from '../../functions/engine/lint/index.js';
import { lintFiles, ruleFindings, type RuleCase } from './support.js';

const SOURCE = "CREATE TABLE IF NOT EXISTS src (ts DateTime, k String, v Float64, note Nullable(String)) ENGINE = MergeTree ORDER BY (k, ts);\n";
const TABLE = { '0001_t.up.sql': SOURCE + "CREATE TABLE IF NOT EXISTS t (ts DateTime, k String, v Float32) ENGINE = MergeTree ORDER BY (k, ts);\n" };
const up = (sql: string) => ({ '0002_change.up.sql': sql });

// Seed 002: NodeMetrics as the Python script made it (no network columns), then the SQL file's view.
const NODE_METRICS = {
  '0001_gauges.up.sql': 'CREATE TABLE IF NOT EXISTS gauges (ResourceAttributes Map(String, String), MetricName String, TimeUnix DateTime64(9), Value Float64) ENGINE = MergeTree ORDER BY (MetricName, TimeUnix);',
  '0002_node_metrics.up.sql': 'CREATE TABLE IF NOT EXISTS NodeMetrics (cluster_id String, node_name String, ts DateTime64(3), cpu_cores Float32) ENGINE = MergeTree ORDER BY (cluster_id, node_name, ts);',
};
const NODE_VIEW = (extra: string) => `CREATE MATERIALIZED VIEW IF NOT EXISTS mv_populate_node_metrics TO NodeMetrics AS
SELECT
    ResourceAttributes['k8s.cluster.uid'] AS cluster_id,
    ResourceAttributes['k8s.node.name'] AS node_name,
    toDateTime64(toStartOfMinute(TimeUnix), 3) AS ts,
    maxIf(Value, MetricName = 'k8s.node.cpu.cores') AS cpu_cores,
    maxIf(Value, MetricName = 'k8s.node.network.receive_bytes_per_sec') AS network_receive_bytes_per_sec
FROM gauges
GROUP BY cluster_id, node_name, ts;${extra}`;

const BACKFILL = (extra = '') => `-- target: t_new\n-- time-column: ts\n-- from: SELECT min(ts) FROM t\n-- to: cutover\n${extra}INSERT INTO t_new SELECT * FROM t WHERE ts >= {window_start} AND ts < {window_end}\n`;
const REBUILD = {
  '0002_t_new.up.sql': 'CREATE TABLE IF NOT EXISTS t_new (ts DateTime, k String, v Float64) ENGINE = MergeTree ORDER BY (k, ts);',
  '0002_t_new.backfill.sql': BACKFILL('-- source-count: SELECT count() FROM t WHERE ts >= {window_start} AND ts < {window_end}\n'),
};
const SWAP = { '0003_swap.up.sql': 'EXCHANGE TABLES t AND t_new;' };

const CASES: RuleCase[] = [
  { rule: 'mv-populate', before: TABLE, positive: up('CREATE MATERIALIZED VIEW IF NOT EXISTS v ENGINE = MergeTree ORDER BY k POPULATE AS SELECT k, count() AS n FROM src GROUP BY k;'),
    safe: up('CREATE MATERIALIZED VIEW IF NOT EXISTS v TO t AS SELECT ts, k, v FROM src WHERE ts >= {cutover};') },
  { rule: 'mv-columns-missing-in-target', before: NODE_METRICS, positive: { '0003_views.up.sql': NODE_VIEW('') },
    safe: { '0003_views.up.sql': `ALTER TABLE NodeMetrics ADD COLUMN IF NOT EXISTS network_receive_bytes_per_sec Float64 DEFAULT 0;\n${NODE_VIEW('')}` } },
  { rule: 'mv-columns-missing-in-target', before: TABLE, positive: up('ALTER TABLE t RENAME COLUMN v TO value;\nCREATE MATERIALIZED VIEW IF NOT EXISTS v TO t AS SELECT ts, k, v FROM src;'),
    safe: up('ALTER TABLE t RENAME COLUMN v TO value;\nCREATE MATERIALIZED VIEW IF NOT EXISTS v TO t AS SELECT ts, k, v AS value FROM src;') },
  { rule: 'mv-columns-missing-in-target', before: TABLE, positive: up('CREATE MATERIALIZED VIEW IF NOT EXISTS v TO t AS SELECT * FROM src;'),
    safe: up('ALTER TABLE t ADD COLUMN IF NOT EXISTS note Nullable(String);\nCREATE MATERIALIZED VIEW IF NOT EXISTS v TO t AS SELECT * FROM src;') },
  { rule: 'mutation-on-large-table', before: TABLE, positive: up("ALTER TABLE t UPDATE v = 0 WHERE k = 'x';"),
    safe: up('ALTER TABLE t ADD COLUMN IF NOT EXISTS w Float64 DEFAULT 0;') },
  { rule: 'mutation-on-large-table', before: TABLE, positive: up('ALTER TABLE t MODIFY COLUMN v Float64;'),
    safe: up("ALTER TABLE t MODIFY COLUMN v Float32 COMMENT 'value', MODIFY COLUMN k REMOVE CODEC;") },
  { rule: 'mutation-on-large-table', before: TABLE, positive: up("DELETE FROM t WHERE k = 'x';"),
    safe: up("CREATE TABLE IF NOT EXISTS x (k String) ENGINE = MergeTree ORDER BY k;\nALTER TABLE x DELETE WHERE k = 'x';") },
  { rule: 'order-by-change', before: TABLE, positive: up('ALTER TABLE t MODIFY ORDER BY (k, ts, v);'),
    safe: up('ALTER TABLE t MODIFY TTL ts + INTERVAL 30 DAY;') },
  { rule: 'non-idempotent-ddl', before: TABLE, positive: up('CREATE TABLE a (k String) ENGINE = MergeTree ORDER BY k;\nCREATE VIEW b AS SELECT k FROM a;'),
    safe: up('CREATE TABLE IF NOT EXISTS a (k String) ENGINE = MergeTree ORDER BY k;\nCREATE OR REPLACE VIEW b AS SELECT k FROM a;') },
  { rule: 'non-idempotent-ddl', before: TABLE, positive: up('DROP VIEW IF EXISTS m;\nCREATE MATERIALIZED VIEW m TO t AS SELECT ts, k, v FROM src;'),
    safe: up('CREATE TABLE a (k String) ENGINE = MergeTree ORDER BY k;') },
  { rule: 'on-cluster-mismatch', before: { '0001_t.up.sql': 'CREATE TABLE IF NOT EXISTS t ON CLUSTER main (k String) ENGINE = MergeTree ORDER BY k;' },
    positive: up('ALTER TABLE t ADD COLUMN IF NOT EXISTS w String;'), safe: up('ALTER TABLE t ON CLUSTER main ADD COLUMN IF NOT EXISTS w String;') },
  { rule: 'on-cluster-mismatch', before: { '0001_t.up.sql': 'CREATE TABLE IF NOT EXISTS t ON CLUSTER main (k String) ENGINE = MergeTree ORDER BY k;' },
    positive: up('DROP TABLE IF EXISTS x ON CLUSTER other;'), safe: up('SELECT 1;') },
  { rule: 'nullable-in-sorting-key', positive: up('CREATE TABLE IF NOT EXISTS n (k Nullable(String), ts DateTime) ENGINE = MergeTree ORDER BY (k, ts);'),
    safe: up('CREATE TABLE IF NOT EXISTS n (k Nullable(String), ts DateTime) ENGINE = MergeTree ORDER BY (ifNull(k, \'\'), ts) SETTINGS allow_nullable_key = 1;') },
  { rule: 'nullable-in-sorting-key', before: TABLE, positive: up('ALTER TABLE src MODIFY ORDER BY (k, ts, note);'),
    safe: up('ALTER TABLE src MODIFY ORDER BY (k, ts);') },
  { rule: 'drop-table', before: TABLE, positive: up('DROP TABLE IF EXISTS t;'),
    safe: up('-- hourglass:allow drop-table replaced by t2 in 0001, read by nothing since\nDROP TABLE IF EXISTS t;') },
  // offline: the swap needs an earlier verified backfill of one of its tables
  { rule: 'exchange-without-verify', before: { ...TABLE, '0002_t_new.up.sql': REBUILD['0002_t_new.up.sql'] }, positive: SWAP,
    safeBefore: { ...TABLE, ...REBUILD }, safe: SWAP },
  { rule: 'exchange-without-verify', before: { ...TABLE, '0002_t_new.up.sql': REBUILD['0002_t_new.up.sql'], '0002_t_new.backfill.sql': BACKFILL() }, positive: SWAP,
    safeBefore: { ...TABLE, '0002_t_new.up.sql': REBUILD['0002_t_new.up.sql'], '0002_t_new.backfill.sql': BACKFILL(), '0002_t_new.verify.sql': 'SELECT 1' }, safe: SWAP },
  // the gate: pending together with the backfill's migration, the swap would run before the
  // backfill; pending alone (backfill applied and run before), it is fine
  { rule: 'exchange-without-verify', before: { ...TABLE, ...REBUILD }, positive: SWAP, pending: [2, 3], safe: SWAP, safePending: [3] },
  // a fresh install: both tables are created in the same apply, empty, nothing to backfill
  { rule: 'exchange-without-verify', before: { ...TABLE, ...REBUILD }, positive: SWAP, pending: [2, 3], safe: SWAP, safePending: [1, 2, 3] },
];

describe('clickhouse rules', () => {
  it('every ClickHouse rule has a case', () => {
    const covered = new Set(CASES.map((c) => c.rule));
    expect(RULES.filter((r) => r.engines.includes('clickhouse')).map((r) => r.name).filter((n) => !covered.has(n))).toEqual([]);
  });

  it.each(CASES.map((c, i) => [`${c.rule} #${i}`, c] as const))('%s fires on the positive case', async (_n, c) => {
    const fired = await ruleFindings('clickhouse', c, 'positive');
    expect(fired.length, JSON.stringify(c.positive)).toBeGreaterThan(0);
    for (const f of fired) expect(f.fix.length).toBeGreaterThan(0);
  });

  it.each(CASES.map((c, i) => [`${c.rule} #${i}`, c] as const))('%s is silent on the safe rewrite', async (_n, c) => {
    expect(await ruleFindings('clickhouse', c, 'safe')).toEqual([]);
  });

  it('names the NodeMetrics columns the view writes and the table lacks, at the view', async () => {
    const findings = await lintFiles('clickhouse', { ...NODE_METRICS, '0003_views.up.sql': `-- the SQL file's views\n${NODE_VIEW('')}` });
    expect(findings.map((f) => [f.rule, f.severity, f.file, f.line])).toEqual([['mv-columns-missing-in-target', 'error', '0003_views.up.sql', 2]]);
    expect(findings[0].message).toBe('view mv_populate_node_metrics writes network_receive_bytes_per_sec into NodeMetrics, which has no such column');
    expect(findings[0].statement).toBe('CREATE MATERIALIZED VIEW IF NOT EXISTS mv_populate_node_metrics TO NodeMetrics AS');
  });

  it('follows EXCHANGE TABLES: a view written after the swap is checked against the swapped-in columns', async () => {
    const files = { ...TABLE, ...REBUILD, '0003_swap.up.sql': 'EXCHANGE TABLES t AND t_new;\nCREATE MATERIALIZED VIEW IF NOT EXISTS m TO t AS SELECT ts, k, v, note FROM src;' };
    const findings = await lintFiles('clickhouse', files);
    expect(findings.map((f) => f.rule)).toEqual(['mv-columns-missing-in-target']);
    expect(findings[0].message).toContain('writes note into t,');
  });
});
