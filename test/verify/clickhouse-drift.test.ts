// ClickHouse drift beyond seed 002: codecs, defaults, nullability, TTL, a sorting key
// extended by a missing column, missing tables and views, a changed view, extra objects;
// hourglass' own staging tables are not drift. The repair makes it clean except for the
// extra objects, which are reported and never dropped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { loadMigrationSet, type MigrationSet } from '../../functions/engine/migrations/set.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { verifyTarget, type VerifyReport } from '../../functions/engine/verify/index.js';

const MIGRATIONS = fileURLToPath(new URL('./fixtures/clickhouse-misc', import.meta.url));
let dir: string;
let driver: Driver;
let set: MigrationSet;
let before: VerifyReport;

const LIVE = [
  `CREATE TABLE events (at DateTime64(3), kind LowCardinality(String), value Float64, note String)
   ENGINE = MergeTree ORDER BY (kind, at) TTL toDateTime(at) + toIntervalDay(7)`,
  'CREATE VIEW recent_events AS SELECT kind, at FROM events WHERE at > now() - INTERVAL 2 HOUR',
  'CREATE VIEW events_debug AS SELECT * FROM events',
  'CREATE TABLE scratch_notes (t String) ENGINE = Memory',
  // A backfill's staging table and the tracking table belong to hourglass, not to the schema.
  'CREATE TABLE events_hg_stage_20240101T00 (t String) ENGINE = Memory',
  'CREATE TABLE hourglass_migrations_x (t String) ENGINE = Memory',
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-verify-ch-'));
  driver = await openDriver(parseTargetUrl(`chdb:${join(dir, 'ch')}`));
  for (const sql of LIVE) await driver.exec(sql);
  set = loadMigrationSet(MIGRATIONS);
  before = await verifyTarget(driver, set);
});

afterAll(async () => {
  await driver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ClickHouse drift', () => {
  it('reports each kind of difference', () => {
    const got = before.differences.map((d) => `${d.severity} ${d.kind} ${d.object}`).sort();
    expect(got).toEqual([
      'error column_nullability events.note',
      'error missing_column events.host',
      'error missing_table events_by_kind',
      'error missing_view events_by_kind_mv',
      'error ttl events',
      'error view_query recent_events',
      'warning column_codec events.at',
      'warning column_default events.value',
      'warning extra_table hourglass_migrations_x',
      'warning extra_table scratch_notes',
      'warning extra_view events_debug',
      'warning sorting_key events',
    ].sort());
    const d = (kind: string) => before.differences.find((x) => x.kind === kind)!;
    expect(d('column_nullability')).toMatchObject({ expected: 'Nullable(String)', actual: 'String' });
    expect(d('ttl')).toMatchObject({ expected: 'toDateTime(at) + toIntervalDay(30)', actual: 'toDateTime(at) + toIntervalDay(7)' });
    expect(d('column_codec')).toMatchObject({ expected: 'CODEC(Delta(8), ZSTD(1))', actual: null });
  });

  it('orders the repair: tables, columns, key, views last; extends the sorting key in the ALTER that adds its column', () => {
    const sql = before.repair.statements.map((s) => s.sql);
    expect(sql[0]).toMatch(/^CREATE TABLE IF NOT EXISTS events_by_kind /);
    expect(sql).toContain("ALTER TABLE events ADD COLUMN IF NOT EXISTS host String, MODIFY ORDER BY (kind, at, host)");
    expect(sql).toContain('ALTER TABLE events MODIFY TTL toDateTime(at) + toIntervalDay(30)');
    const dropView = sql.indexOf('DROP VIEW IF EXISTS recent_events');
    const createMv = sql.findIndex((s) => s.startsWith('CREATE MATERIALIZED VIEW IF NOT EXISTS events_by_kind_mv TO events_by_kind'));
    expect(dropView).toBeGreaterThan(sql.findIndex((s) => s.includes('MODIFY COLUMN')));
    expect(createMv).toBeGreaterThan(0);
    expect(before.repair.rebuilds).toEqual([]);
    // Extra objects: mentioned, never dropped.
    expect(sql.some((s) => /DROP TABLE|scratch_notes|events_debug/.test(s))).toBe(false);
    expect(before.repair.sql).toMatch(/^-- extra table scratch_notes .*DROP TABLE scratch_notes;$/m);
  });

  it('applying the repair leaves only the extra objects; the new view feeds its new table', async () => {
    for (const s of before.repair.statements) await driver.exec(s.sql);
    const after = await verifyTarget(driver, set);
    expect(after.differences.map((d) => d.kind).sort()).toEqual(['extra_table', 'extra_table', 'extra_view']);
    expect(after.repair.statements).toEqual([]);
    await driver.exec("INSERT INTO events (at, kind) VALUES (now64(3), 'login'), (now64(3), 'login')");
    expect(await driver.query('SELECT kind, toUInt64(sum(n)) AS n FROM events_by_kind GROUP BY kind')).toEqual([{ kind: 'login', n: 2 }]);
    expect((await verifyTarget(driver, set)).data.freshness).toMatchObject([{ view: 'events_by_kind_mv', source: 'events', timeColumn: 'hour', ok: true }]);
  });

  it('a view whose target lost a column it writes is an error, found on the live database alone', async () => {
    await driver.exec('ALTER TABLE events_by_kind DROP COLUMN n');
    const report = await verifyTarget(driver, set);
    expect(report.differences.filter((d) => d.kind === 'mv_column_missing_in_target')).toMatchObject([
      { object: 'events_by_kind_mv.n', severity: 'error', actual: 'events_by_kind has no column n' },
    ]);
    expect(report.repair.statements.map((s) => s.sql)).toContain('ALTER TABLE events_by_kind ADD COLUMN IF NOT EXISTS n UInt64 AFTER kind');
  });

  it('a view whose SELECT no longer runs is reported as such', async () => {
    await driver.exec('CREATE TABLE kinds (kind String, v Float64) ENGINE = MergeTree ORDER BY kind');
    // A view whose source table was dropped after it was created.
    await driver.exec('CREATE TABLE events_archive (kind String, weight Float64) ENGINE = MergeTree ORDER BY kind');
    await driver.exec('CREATE MATERIALIZED VIEW kinds_mv TO kinds AS SELECT kind, weight AS v FROM events_archive');
    await driver.exec('DROP TABLE events_archive');
    const report = await verifyTarget(driver, set);
    const invalid = report.differences.find((d) => d.kind === 'view_invalid');
    expect(invalid).toMatchObject({ object: 'kinds_mv', severity: 'error' });
    expect(invalid!.actual).toMatch(/events_archive/);
    expect(report.differences.map((d) => `${d.kind} ${d.object}`)).toEqual(expect.arrayContaining(['extra_view kinds_mv', 'extra_table kinds']));
    expect(report.repair.notes.join('\n')).toMatch(/view kinds_mv cannot run its SELECT on the live database/);
  });
});
