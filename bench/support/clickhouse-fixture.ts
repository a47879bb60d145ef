// The ClickHouse backfill bench's world: the demo's otel_traces schema and span generator
// (functions/cli/commands/demo-data.ts, generated inside ClickHouse), a migration that
// creates three identical empty targets — traces_new (the state machine's), traces_single
// (one INSERT … SELECT), traces_loop (the seed-000 loop) — and the demo's backfill of
// root spans into traces_new, range given explicitly.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const TARGET_COLUMNS = `(
    TraceId       String CODEC(ZSTD(1)),
    SpanId        String CODEC(ZSTD(1)),
    Timestamp     DateTime64(9) CODEC(Delta, ZSTD(1)),
    ServiceName   LowCardinality(String) CODEC(ZSTD(1)),
    OperationName LowCardinality(String) CODEC(ZSTD(1)),
    Duration      Int64 CODEC(ZSTD(1)),
    StatusCode    LowCardinality(String) CODEC(ZSTD(1)),
    HasError      Bool CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
ORDER BY (toUnixTimestamp(Timestamp), ServiceName, TraceId)`;

export const TARGET_TABLES = ['traces_new', 'traces_single', 'traces_loop', 'traces_loop4'] as const;

/** `select: 'roots'` is the demo's backfill (root spans, one row per trace); `'all'` copies every span. */
export type Selection = 'roots' | 'all';

/** The per-window statement, writing into `table`: the same text for the state machine and both baselines. */
export function windowStatement(table: string, selection: Selection): string {
  const where = selection === 'roots' ? "ParentSpanId = '' AND " : '';
  return `INSERT INTO ${table} (TraceId, SpanId, Timestamp, ServiceName, OperationName, Duration, StatusCode, HasError)
SELECT TraceId, SpanId, Timestamp, ServiceName, SpanName, Duration, StatusCode, StatusCode = 'STATUS_CODE_ERROR'
FROM otel_traces
WHERE ${where}Timestamp >= {window_start} AND Timestamp < {window_end}`;
}

export function sourceCountSql(selection: Selection): string {
  const where = selection === 'roots' ? "ParentSpanId = '' AND " : '';
  return `SELECT count() FROM otel_traces WHERE ${where}Timestamp >= {window_start} AND Timestamp < {window_end}`;
}

/** Writes the bench's migrations folder under `root` and returns it. */
export function writeClickHouseMigrations(root: string, selection: Selection): string {
  const dir = join(root, 'migrations');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '0001_otel_traces.up.sql'), readFileSync(join(repoRoot, 'migrations/clickhouse/0001_otel_traces.up.sql'), 'utf8'));
  writeFileSync(join(dir, '0002_bench_targets.up.sql'), TARGET_TABLES.map((t) => `CREATE TABLE ${t}\n${TARGET_COLUMNS};\n`).join('\n'));
  writeFileSync(join(dir, '0002_bench_targets.backfill.sql'), [
    '-- window: 1h',
    '-- target: traces_new',
    '-- time-column: Timestamp',
    '-- source: otel_traces',
    '-- from: SELECT min(Timestamp) FROM otel_traces',
    '-- to: SELECT max(Timestamp) FROM otel_traces',
    '-- strategy: delete',
    `-- source-count: ${sourceCountSql(selection)}`,
    windowStatement('traces_new', selection),
    '',
  ].join('\n'));
  return dir;
}
