// Fixture migrations for the backfill tests, on either engine:
//   0001_source  src(id, ts, v): `rows` rows, one every `stepMs` from 2024-03-01T00:17:00Z
//                (so the first and last hours are partial), and ctl(bad_hour): a control
//                table whose rows make the backfill statement fail for those windows.
//   0002_target  dst(id, ts, v) and its backfill: copy src → dst per window.
// The backfill statement fails on purpose when ctl holds a time inside the statement's
// [window_start, window_end) (an hour's start marks that hour bad; a statement over a group of
// windows fails when any of them is bad, as a poisoned source row would make it):
// ClickHouse throwIf(…), PostgreSQL a division by zero.
import { join } from 'node:path';
import { HOUR, tempDir, writeMigrations, type Workspace } from './support.js';

export type EngineName = 'clickhouse' | 'postgres';

export const SOURCE_START = Date.parse('2024-03-01T00:17:00Z');

export interface FixtureOptions {
  rows?: number;
  stepMs?: number;
  strategy?: 'delete' | 'dedup-token' | 'replace-partition';
  /** The `window:` header (default: none, i.e. 1h). */
  window?: string;
  /** ClickHouse: dst's PARTITION BY (default toDate(ts)). */
  targetPartition?: string;
  /** ClickHouse: dst's SETTINGS clause. */
  targetSettings?: string;
  /** Whether src's time column is indexed (PostgreSQL) / leads the sorting and partition keys (ClickHouse). Default true. */
  sourceIndexed?: boolean;
  /** The `to:` header (default: a query for max(ts) + 1 ms, so the last window is partial). */
  to?: string;
  /** 0002's up migration records a cut-over (and a live path src → dst from it); the backfill ends there. */
  cutover?: boolean;
  /** The backfill statement (default: the guarded copy). */
  statement?: string;
}

export const DEFAULT_ROWS = 3000;
export const DEFAULT_STEP_MS = 72_000; // 3000 rows × 72 s = 60 h, 61 hourly windows

export function lastSourceMs(o: FixtureOptions = {}): number {
  return SOURCE_START + ((o.rows ?? DEFAULT_ROWS) - 1) * (o.stepMs ?? DEFAULT_STEP_MS);
}

/** Hourly windows a derived range (floor(min) … max + 1 ms) yields. */
export function derivedHourlyWindows(o: FixtureOptions = {}): number {
  return Math.ceil((lastSourceMs(o) + 1) / HOUR) - Math.floor(SOURCE_START / HOUR);
}

export function migrationFiles(engine: EngineName, o: FixtureOptions = {}): Record<string, string> {
  return engine === 'clickhouse' ? clickhouseFiles(o) : postgresFiles(o);
}

function header(o: FixtureOptions, to: string, sourceCount: string): string {
  return [
    ...(o.window ? [`-- window: ${o.window}`] : []),
    '-- target: dst',
    '-- time-column: ts',
    '-- from: SELECT min(ts) FROM src',
    `-- to: ${o.cutover ? 'cutover' : (o.to ?? to)}`,
    `-- strategy: ${o.strategy ?? 'delete'}`,
    `-- source-count: ${sourceCount}`,
  ].join('\n');
}

function clickhouseFiles(o: FixtureOptions): Record<string, string> {
  const rows = o.rows ?? DEFAULT_ROWS;
  const step = o.stepMs ?? DEFAULT_STEP_MS;
  const indexed = o.sourceIndexed ?? true;
  const srcEngine = indexed ? 'MergeTree PARTITION BY toDate(ts) ORDER BY (ts, id)' : 'MergeTree ORDER BY id';
  const settings = o.targetSettings ? ` SETTINGS ${o.targetSettings}` : '';
  const statement = o.statement ?? [
    'INSERT INTO dst SELECT id, ts, v FROM src',
    'WHERE ts >= {window_start} AND ts < {window_end}',
    "  AND throwIf((SELECT count() FROM ctl WHERE bad_hour >= {window_start} AND bad_hour < {window_end}) > 0, 'window marked bad in ctl') = 0",
  ].join('\n');
  return {
    '0001_source.up.sql': [
      `CREATE TABLE src (id UInt64, ts DateTime64(3, 'UTC'), v String) ENGINE = ${srcEngine};`,
      "CREATE TABLE ctl (bad_hour DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY bad_hour;",
      `INSERT INTO src SELECT number, toDateTime64('2024-03-01 00:17:00', 3, 'UTC') + toIntervalMillisecond(number * ${step}), concat('v', toString(cityHash64(number) % 997)) FROM numbers(${rows});`,
    ].join('\n'),
    '0001_source.down.sql': 'DROP TABLE src;\nDROP TABLE ctl;',
    '0002_target.up.sql': [
      `CREATE TABLE dst (id UInt64, ts DateTime64(3, 'UTC'), v String) ENGINE = MergeTree PARTITION BY ${o.targetPartition ?? 'toDate(ts)'} ORDER BY (ts, id)${settings};`,
      ...(o.cutover ? ['CREATE MATERIALIZED VIEW dst_live TO dst AS SELECT id, ts, v FROM src WHERE ts >= {cutover};'] : []),
    ].join('\n'),
    '0002_target.backfill.sql': `${header(o, 'SELECT max(ts) + toIntervalMillisecond(1) FROM src', 'SELECT count() FROM src WHERE ts >= {window_start} AND ts < {window_end}')}\n${statement}\n`,
  };
}

function postgresFiles(o: FixtureOptions): Record<string, string> {
  const rows = o.rows ?? DEFAULT_ROWS;
  const step = o.stepMs ?? DEFAULT_STEP_MS;
  const statement = o.statement ?? [
    'INSERT INTO dst SELECT id, ts, v FROM src',
    'WHERE ts >= {window_start} AND ts < {window_end}',
    '  AND 1 / (SELECT CASE WHEN count(*) > 0 THEN 0 ELSE 1 END FROM ctl WHERE bad_hour >= {window_start} AND bad_hour < {window_end}) = 1',
  ].join('\n');
  return {
    '0001_source.up.sql': [
      'CREATE TABLE src (id bigint NOT NULL, ts timestamptz NOT NULL, v text NOT NULL);',
      ...((o.sourceIndexed ?? true) ? ['CREATE INDEX src_ts ON src (ts);'] : []),
      'CREATE TABLE ctl (bad_hour timestamptz NOT NULL);',
      `INSERT INTO src SELECT n, timestamptz '2024-03-01T00:17:00Z' + n * interval '${step} milliseconds', 'v' || (hashint8(n) & 1023)::text FROM generate_series(0, ${rows - 1}) AS n;`,
    ].join('\n'),
    '0001_source.down.sql': 'DROP TABLE src;\nDROP TABLE ctl;',
    '0002_target.up.sql': [
      'CREATE TABLE dst (id bigint NOT NULL, ts timestamptz NOT NULL, v text NOT NULL);',
      'CREATE INDEX dst_ts ON dst (ts);',
      ...(o.cutover
        ? [
            // The live path: rows at or after the cut-over go straight to dst as they arrive.
            'CREATE FUNCTION dst_live() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.ts >= {cutover} THEN INSERT INTO dst VALUES (NEW.id, NEW.ts, NEW.v); END IF; RETURN NEW; END $$;',
            'CREATE TRIGGER dst_live AFTER INSERT ON src FOR EACH ROW EXECUTE FUNCTION dst_live();',
          ]
        : []),
    ].join('\n'),
    '0002_target.backfill.sql': `${header(o, "SELECT max(ts) + interval '1 millisecond' FROM src", 'SELECT count(*) FROM src WHERE ts >= {window_start} AND ts < {window_end}')}\n${statement}\n`,
  };
}

/** A temp workspace with these migrations: its own chdb dir (ClickHouse) or the given PostgreSQL URL, and its own state dir. */
export function fixtureWorkspace(engine: EngineName, o: FixtureOptions = {}, postgresUrl?: string): Workspace {
  const root = tempDir(engine === 'clickhouse' ? 'bf-ch' : 'bf-pg');
  if (engine === 'postgres' && !postgresUrl) throw new Error('a PostgreSQL fixture needs a database URL');
  return {
    url: engine === 'clickhouse' ? `chdb:${join(root, 'clickhouse')}` : postgresUrl!,
    migrations: writeMigrations(root, migrationFiles(engine, o)),
    state: join(root, 'state'),
  };
}
