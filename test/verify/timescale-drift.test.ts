// Verify on the real embedded TimescaleDB (pglite:): the migrations' hypertable, continuous
// aggregate and policies report clean; a removed retention policy, a changed chunk interval,
// compression segmentby, materialized_only and refresh policy are each drift with repair SQL,
// and running that SQL makes verify clean again; the scratch build leaves nothing behind in
// TimescaleDB's catalog (hypertables, chunks, aggregates, jobs), and cannot change a live table
// through the extension's schema on its search_path. A served PGlite keeps search_path between clients.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { startPgliteServer } from '../../functions/engine/embedded/pglite-server.js';
import { loadMigrationSet } from '../../functions/engine/migrations/set.js';
import { Migrator } from '../../functions/engine/migrator/index.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { verifyTarget, type VerifyReport } from '../../functions/engine/verify/index.js';

const MIGRATIONS = resolve('test/verify/fixtures/timescale');
const root = mkdtempSync(join(tmpdir(), 'hourglass-verify-ts-'));
let driver: Driver;

beforeAll(async () => {
  driver = await openDriver(parseTargetUrl(`pglite:${join(root, 'db')}`));
  await new Migrator(driver, loadMigrationSet(MIGRATIONS), { runId: 'verify-ts' }).apply();
  // Rows in three daily chunks: the live hypertable has chunks, the scratch one none. A fixed
  // time, not now(): 60 hours back from now() cross three or four UTC days by the hour of day.
  await driver.exec(`INSERT INTO llm_metrics (time, model, provider, tokens, latency_ms)
    SELECT timestamptz '2026-01-03 12:00:00+00' - make_interval(hours => h), 'gpt-' || (h % 3), 'openai', h, h * 1.5 FROM generate_series(0, 60) AS h`);
}, 180_000);

afterAll(async () => {
  await driver?.close();
  rmSync(root, { recursive: true, force: true });
});

const verify = () => verifyTarget(driver, loadMigrationSet(MIGRATIONS), { schemaOnly: true });
const lines = (report: VerifyReport) => report.differences.map((d) => `${d.severity} ${d.kind} ${d.object}`);

/** Runs the repair statements on the live database, as an operator would, and expects verify clean. */
async function repairAndVerify(report: VerifyReport): Promise<void> {
  for (const s of report.repair.statements) await driver.exec(s.sql);
  const after = await verify();
  expect(after.differences).toEqual([]);
}

const catalogCounts = async () => (await driver.query<{ what: string; n: number }>(`
  SELECT 'hypertables' AS what, count(*)::int AS n FROM _timescaledb_catalog.hypertable
  UNION ALL SELECT 'chunks', count(*)::int FROM _timescaledb_catalog.chunk
  UNION ALL SELECT 'aggregates', count(*)::int FROM _timescaledb_catalog.continuous_agg
  UNION ALL SELECT 'jobs', count(*)::int FROM _timescaledb_config.bgw_job
  UNION ALL SELECT 'internal relations', count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '_timescaledb_internal'`))
  .map((r) => `${r.what} ${r.n}`);

describe('verify on TimescaleDB', () => {
  it('reports clean after apply, and the scratch leaves nothing in TimescaleDB\'s catalog', async () => {
    const before = await catalogCounts();
    const report = await verify();
    expect(report.differences).toEqual([]);
    expect(report.expectedVersions).toEqual([1, 2]);
    expect(await catalogCounts()).toEqual(before);
    expect(await driver.query("SELECT hypertable_schema FROM timescaledb_information.hypertables WHERE hypertable_schema <> 'public'")).toEqual([]);
    expect(await driver.query("SELECT job_id FROM timescaledb_information.jobs WHERE hypertable_schema IS NOT NULL AND hypertable_schema <> 'public'")).toEqual([]);
    expect(await driver.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'hourglass\\_verify\\_%'")).toEqual([]);
    // What the live side holds, so the counts above compare something.
    expect(before).toEqual(expect.arrayContaining(['hypertables 3', 'aggregates 1', 'chunks 3']));
  });

  it('a removed retention policy is drift with repair SQL, and running it makes verify clean', async () => {
    await driver.exec("SELECT remove_retention_policy('llm_metrics')");
    const report = await verify();
    expect(lines(report)).toEqual(['error missing_policy retention policy on llm_metrics']);
    expect(report.differences[0]).toMatchObject({ expected: 'drop_after 90 days, every 1 day', actual: null });
    expect(report.repair.statements.map((s) => s.sql)).toEqual([
      "SELECT add_retention_policy('llm_metrics', drop_after => INTERVAL '90 days', schedule_interval => INTERVAL '1 day', if_not_exists => true)",
    ]);
    expect(report.repair.sql).toContain('-- retention policy on llm_metrics: missing');
    await repairAndVerify(report);
  });

  it('a changed chunk interval is drift, repaired by set_chunk_time_interval', async () => {
    await driver.exec("SELECT set_chunk_time_interval('llm_metrics', INTERVAL '2 days')");
    const report = await verify();
    expect(lines(report)).toEqual(['warning chunk_interval llm_metrics']);
    expect(report.differences[0]).toMatchObject({ expected: '1 day', actual: '2 days' });
    expect(report.repair.statements.map((s) => s.sql)).toEqual(["SELECT set_chunk_time_interval('llm_metrics', INTERVAL '1 day')"]);
    await repairAndVerify(report);
  });

  it('a changed compression segmentby is drift', async () => {
    await driver.exec("ALTER TABLE llm_metrics SET (timescaledb.compress, timescaledb.compress_segmentby = 'provider', timescaledb.compress_orderby = 'time DESC')");
    const report = await verify();
    expect(lines(report)).toEqual(['warning compression_segmentby llm_metrics']);
    expect(report.differences[0]).toMatchObject({ expected: 'model', actual: 'provider' });
    await repairAndVerify(report);
  });

  it('a continuous aggregate switched to real-time (materialized_only) is drift', async () => {
    await driver.exec('ALTER MATERIALIZED VIEW llm_metrics_hourly SET (timescaledb.materialized_only = false)');
    const report = await verify();
    expect(lines(report)).toEqual(['error cagg_materialized_only llm_metrics_hourly']);
    expect(report.differences[0]).toMatchObject({ expected: 'materialized_only = true', actual: 'materialized_only = false' });
    expect(report.repair.statements.map((s) => s.sql)).toEqual(['ALTER MATERIALIZED VIEW llm_metrics_hourly SET (timescaledb.materialized_only = true)']);
    await repairAndVerify(report);
  });

  it('a changed refresh policy is drift, replaced by the one the migrations define', async () => {
    await driver.exec("SELECT remove_continuous_aggregate_policy('llm_metrics_hourly')");
    await driver.exec("SELECT add_continuous_aggregate_policy('llm_metrics_hourly', start_offset => INTERVAL '1 day', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour')");
    const report = await verify();
    expect(lines(report)).toEqual(['error policy_settings refresh policy on llm_metrics_hourly']);
    expect(report.differences[0]).toMatchObject({
      expected: 'end_offset 01:00:00, start_offset 3 days, every 01:00:00',
      actual: 'end_offset 01:00:00, start_offset 1 day, every 01:00:00',
    });
    expect(report.repair.statements.map((s) => s.sql)).toEqual([
      "SELECT remove_continuous_aggregate_policy('llm_metrics_hourly', if_exists => true)",
      "SELECT add_continuous_aggregate_policy('llm_metrics_hourly', start_offset => INTERVAL '3 days', end_offset => INTERVAL '01:00:00', schedule_interval => INTERVAL '01:00:00', if_not_exists => true)",
    ]);
    await repairAndVerify(report);
  });

  it('a retention policy the migrations do not define is drift (an error: it deletes data), left alone by the repair', async () => {
    await driver.exec("SELECT add_retention_policy('llm_metrics_hourly', drop_after => INTERVAL '30 days')");
    try {
      const report = await verify();
      expect(lines(report)).toEqual(['error extra_policy retention policy on llm_metrics_hourly']);
      expect(report.differences[0]).toMatchObject({ expected: null, actual: 'drop_after 30 days, every 1 day' });
      expect(report.repair.statements).toEqual([]);
      expect(report.repair.notes).toEqual([
        "retention policy on llm_metrics_hourly (drop_after 30 days, every 1 day) is not in the migrations; left alone. If unwanted: SELECT remove_retention_policy('llm_metrics_hourly', if_exists => true);",
      ]);
    } finally {
      await driver.exec("SELECT remove_retention_policy('llm_metrics_hourly')");
    }
  });

  it('a changed continuous aggregate definition is drift, recreated WITH NO DATA with its policy', async () => {
    await driver.exec('DROP MATERIALIZED VIEW llm_metrics_hourly');
    await driver.exec(`CREATE MATERIALIZED VIEW llm_metrics_hourly WITH (timescaledb.continuous) AS
      SELECT time_bucket(INTERVAL '2 hours', time) AS bucket, model, count(*) AS requests, sum(tokens) AS tokens, avg(latency_ms) AS avg_latency_ms
        FROM llm_metrics GROUP BY 1, 2 WITH NO DATA`);
    const report = await verify();
    expect(lines(report)).toEqual([
      'error view_query llm_metrics_hourly',
      'error cagg_bucket llm_metrics_hourly',
      'error missing_policy refresh policy on llm_metrics_hourly',
    ]);
    const sql = report.repair.statements.map((s) => s.sql);
    expect(sql[0]).toBe('DROP MATERIALIZED VIEW IF EXISTS llm_metrics_hourly');
    expect(sql[1]).toMatch(/^CREATE MATERIALIZED VIEW llm_metrics_hourly WITH \(timescaledb\.continuous, timescaledb\.materialized_only = true\) AS\nSELECT time_bucket\('01:00:00'::interval, "time"\) AS bucket,[\s\S]*WITH NO DATA$/);
    expect(report.repair.notes.join('\n')).toMatch(/llm_metrics_hourly is created WITH NO DATA: refresh its history/);
    await repairAndVerify(report);
  });
});

describe('the TimescaleDB scratch schema', () => {
  const dir = join(root, 'guarded');
  let guarded: Driver;

  beforeAll(async () => {
    // The scratch's search_path ends in the extension's schema (public here): a migration's
    // DROP TABLE IF EXISTS of a table the scratch lacks would find the live one there.
    cpSync(MIGRATIONS, dir, { recursive: true });
    writeFileSync(join(dir, '0003_drop_old_archive.up.sql'), 'DROP TABLE IF EXISTS llm_metrics_archive;\n');
    guarded = await openDriver(parseTargetUrl(`pglite:${join(root, 'db-guarded')}`));
    await new Migrator(guarded, loadMigrationSet(dir), { runId: 'verify-ts-guard' }).apply();
    await guarded.exec("CREATE TABLE llm_metrics_archive AS SELECT now() AS time, 'kept' AS note FROM generate_series(1, 5)");
  }, 180_000);

  afterAll(() => guarded?.close());

  it('never changes a live object: the statement is rolled back and verify says why', async () => {
    const error = await verifyTarget(guarded, loadMigrationSet(dir), { schemaOnly: true }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/migration 3 \(drop_old_archive\) failed on a scratch database at statement 1 .*reached live public\.llm_metrics_archive \(AccessExclusiveLock\) through the TimescaleDB search_path; it was rolled back/);
    expect(await guarded.query('SELECT count(*)::int AS n FROM llm_metrics_archive')).toEqual([{ n: 5 }]);
    expect(await guarded.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'hourglass\\_verify\\_%'")).toEqual([]);
  });
});

describe('a plain table where the migrations make a hypertable', () => {
  let plain: Driver;

  beforeAll(async () => {
    // Made by hand, without hourglass: compared with all the migrations.
    plain = await openDriver(parseTargetUrl(`pglite:${join(root, 'db-plain')}`));
    await plain.exec(`CREATE TABLE llm_metrics (time TIMESTAMPTZ NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL, tokens INTEGER NOT NULL DEFAULT 0, latency_ms DOUBLE PRECISION);
      CREATE INDEX llm_metrics_model_time_idx ON llm_metrics (model, time DESC);
      INSERT INTO llm_metrics SELECT now() - make_interval(hours => h), 'm', 'p', h, h FROM generate_series(0, 49) AS h`);
  }, 180_000);

  afterAll(() => plain?.close());

  it('is drift; the repair makes it a hypertable with its rows, compression, policies and aggregate', async () => {
    const report = await verifyTarget(plain, loadMigrationSet(MIGRATIONS), { schemaOnly: true });
    expect(lines(report).sort()).toEqual([
      'error hypertable llm_metrics',
      'error missing_policy compression policy on llm_metrics',
      'error missing_policy retention policy on llm_metrics',
      'error missing_view llm_metrics_hourly',
      'warning missing_index llm_metrics.llm_metrics_time_idx',
    ]);
    expect(report.differences.find((d) => d.kind === 'hypertable')).toMatchObject({ expected: 'hypertable on time, chunks of 1 day', actual: 'a plain table' });
    expect(report.repair.statements.map((s) => s.sql)).toContain("SELECT create_hypertable('llm_metrics', by_range('time', INTERVAL '1 day'), if_not_exists => true, migrate_data => true)");
    for (const s of report.repair.statements) await plain.exec(s.sql);
    expect((await verifyTarget(plain, loadMigrationSet(MIGRATIONS), { schemaOnly: true })).differences).toEqual([]);
    expect(await plain.query('SELECT count(*)::int AS n FROM llm_metrics')).toEqual([{ n: 50 }]);
  });
});

describe('the embedded TimescaleDB (pglite:)', () => {
  it('gives the next client the first client\'s search_path, so verify over `serve` finds the tables the first client made', async () => {
    const server = await startPgliteServer({ dataDir: join(root, 'served') });
    try {
      const first = new pg.Client(server.url);
      await first.connect();
      await first.query('CREATE TABLE made_by_first (n int)');
      await first.end();
      const second = new pg.Client(server.url);
      await second.connect();
      const { rows } = await second.query("SELECT current_setting('search_path') AS path, to_regclass('made_by_first') IS NOT NULL AS found");
      await second.end();
      expect(rows).toEqual([{ path: 'public', found: true }]); // as PGlite starts its session
    } finally {
      await server.close();
    }
  }, 120_000);

  it('reopened on its dataDir, still has compression (verify rebuilds compressed hypertables in a later process)', async () => {
    const dataDir = join(root, 'reopened');
    const compress = async (table: string) => {
      const server = await startPgliteServer({ dataDir });
      const client = new pg.Client(server.url);
      try {
        await client.connect();
        await client.query(`CREATE TABLE ${table} (time timestamptz NOT NULL, k text); SELECT create_hypertable('${table}', by_range('time'));
          ALTER TABLE ${table} SET (timescaledb.compress, timescaledb.compress_segmentby = 'k')`);
        return (await client.query('SELECT hypertable_name AS name, compression_enabled AS on FROM timescaledb_information.hypertables ORDER BY 1')).rows;
      } finally {
        await client.end();
        await server.close();
      }
    };
    expect(await compress('first_open')).toEqual([{ name: 'first_open', on: true }]);
    // Before the fix: "functionality not supported under the current "timescale" license".
    expect(await compress('second_open')).toEqual([{ name: 'first_open', on: true }, { name: 'second_open', on: true }]);
  }, 120_000);
});
