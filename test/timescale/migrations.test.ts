// Migrations on a real embedded TimescaleDB, through the CLI: up and down of hypertables, a
// continuous aggregate and their policies (add_/remove_retention_policy, compression policy,
// add_/remove_continuous_aggregate_policy, DROP MATERIALIZED VIEW) leave the catalog exactly
// as before; a migration marked `-- hourglass:no-transaction` runs what TimescaleDB refuses in
// a transaction block (a continuous aggregate WITH DATA, CALL refresh_continuous_aggregate);
// the same migration unmarked is refused and leaves nothing behind.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cleanupTempDirs, cli, cliJson, withTarget } from '../backfill/support.js';
import { RANGE_END, RANGE_START, insertMetrics, timescaleWorkspace, type TimescaleWorkspace } from './support.js';

let ws: TimescaleWorkspace | undefined;
afterEach(async () => {
  await ws?.server.close();
  ws = undefined;
  cleanupTempDirs();
});

interface Catalog {
  hypertables: string[];
  aggregates: string[];
  /** Policy jobs (id >= 1000; TimescaleDB's own jobs are below). */
  jobs: string[];
  /** Tables in TimescaleDB's internal schema (its own few, chunks, materialization hypertables). */
  internal: number;
}

async function catalog(url: string): Promise<Catalog> {
  return withTarget(url, async (d) => {
    const list = async (sql: string) => (await d.query<{ x: string }>(sql)).map((r) => r.x);
    return {
      hypertables: await list(`SELECT hypertable_name AS x FROM timescaledb_information.hypertables ORDER BY 1`),
      aggregates: await list(`SELECT view_name || ' ' || materialized_only AS x FROM timescaledb_information.continuous_aggregates ORDER BY 1`),
      jobs: await list(`SELECT proc_name || ' on ' || hypertable_name || ' ' || schedule_interval AS x FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY 1`),
      internal: Number((await list(`SELECT count(*)::text AS x FROM pg_class WHERE relnamespace = '_timescaledb_internal'::regnamespace AND relkind = 'r'`))[0]),
    };
  });
}


it('up and down of hypertables, a continuous aggregate and their policies, and up again', async () => {
  ws = await timescaleWorkspace('ts-migrations');
  const before = await catalog(ws.url);
  expect(before).toMatchObject({ hypertables: [], aggregates: [], jobs: [] });

  expect((await cli(ws, ['apply'])).code).toBe(0);
  const full = await catalog(ws.url);
  expect(full.hypertables).toEqual(['llm_metrics', 'llm_requests']);
  expect(full.aggregates).toEqual(['llm_metrics_hourly true']);
  expect(full.jobs).toEqual(['policy_compression on llm_metrics 12:00:00', 'policy_refresh_continuous_aggregate on llm_metrics_hourly 01:00:00', 'policy_retention on llm_metrics 1 day']);
  await insertMetrics(ws.url, RANGE_START, RANGE_END);
  const withRows = await catalog(ws.url);
  expect(withRows.internal).toBeGreaterThan(before.internal); // chunks

  // Down to 1: the aggregate, its policy and its materialization hypertable go; llm_metrics' policies stay.
  const toOne = await cli(ws, ['revert', '--to', '1']);
  expect(toOne.code, toOne.stderr).toBe(0);
  const one = await catalog(ws.url);
  expect(one.hypertables).toEqual(['llm_metrics']);
  expect(one.aggregates).toEqual([]);
  expect(one.jobs.map((j) => j.split(' ')[0])).toEqual(['policy_compression', 'policy_retention']);

  // Down to 0: nothing of TimescaleDB's is left, not even a chunk.
  const toZero = await cli(ws, ['revert', '--to', '0']);
  expect(toZero.code, toZero.stderr).toBe(0);
  expect(await catalog(ws.url)).toEqual(before);

  // And up again, to the same shape.
  expect((await cli(ws, ['apply'])).code).toBe(0);
  const again = await catalog(ws.url);
  expect(again.aggregates).toEqual(full.aggregates);
  expect(again).toMatchObject({ hypertables: full.hypertables, jobs: full.jobs });
  const status = await cliJson(ws, ['status']);
  expect(status.code, status.stderr).toBe(0);
});

/** A daily aggregate created WITH DATA, then the hourly one refreshed over the range, in one migration. */
const refreshing = (marked: boolean) => `${marked ? '-- hourglass:no-transaction\n' : ''}-- A daily rollup, materialized at creation; the hourly one refreshed over the two days.
CREATE MATERIALIZED VIEW llm_metrics_daily WITH (timescaledb.continuous) AS
SELECT time_bucket('1 day', time) AS bucket, count(*) AS requests FROM llm_metrics GROUP BY 1;
CALL refresh_continuous_aggregate('llm_metrics_hourly', '${new Date(RANGE_START).toISOString()}', '${new Date(RANGE_END).toISOString()}');
SELECT add_continuous_aggregate_policy('llm_metrics_daily', start_offset => interval '30 days', end_offset => interval '1 day', schedule_interval => interval '1 day');
`;
const DOWN = `SELECT remove_continuous_aggregate_policy('llm_metrics_daily');\nDROP MATERIALIZED VIEW llm_metrics_daily;\n`;

async function withRefreshMigration(marked: boolean): Promise<TimescaleWorkspace> {
  ws = await timescaleWorkspace('ts-migrations-notx');
  expect((await cli(ws, ['apply'])).code).toBe(0);
  await insertMetrics(ws.url, RANGE_START, RANGE_END);
  writeFileSync(join(ws.migrations, '0004_llm_metrics_daily.up.sql'), refreshing(marked));
  writeFileSync(join(ws.migrations, '0004_llm_metrics_daily.down.sql'), DOWN);
  return ws;
}

const counts = (url: string) =>
  withTarget(url, async (d) => {
    const n = async (sql: string) => Number((await d.query<{ n: string }>(sql))[0]!.n);
    const daily = (await d.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_class WHERE relname = 'llm_metrics_daily'`))[0]!.n === '1';
    return { hourly: await n('SELECT count(*)::text AS n FROM llm_metrics_hourly'), daily: daily ? await n('SELECT count(*)::text AS n FROM llm_metrics_daily') : null };
  });

it('-- hourglass:no-transaction runs a continuous aggregate WITH DATA and CALL refresh_continuous_aggregate; the down removes its policy and view', async () => {
  const w = await withRefreshMigration(true);
  const r = await cli(w, ['apply']);
  expect(r.code, r.stderr).toBe(0);
  expect(await counts(w.url)).toEqual({ hourly: 48 * 3, daily: 2 });
  const jobs = () => withTarget(w.url, async (d) => (await d.query<{ n: string }>(`SELECT count(*)::text AS n FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate'`))[0]!.n);
  expect(await jobs()).toBe('2');
  const down = await cli(w, ['revert', '--to', '3']);
  expect(down.code, down.stderr).toBe(0);
  expect(await counts(w.url)).toEqual({ hourly: 48 * 3, daily: null });
  expect(await jobs()).toBe('1');
});

it('the same migration without the marker is refused and leaves nothing behind', async () => {
  const w = await withRefreshMigration(false);
  const r = await cli(w, ['apply']);
  expect(r.code).not.toBe(0);
  // Refused by lint (refresh-in-transaction) where it is installed, else by TimescaleDB inside the transaction.
  expect(r.stderr).toMatch(/cannot run inside a transaction block|refresh-in-transaction/);
  expect(await counts(w.url)).toEqual({ hourly: 0, daily: null });
  const status = await cliJson<{ databaseVersion: number; migrations: Array<{ version: number; state: string }> }>(w, ['status']);
  expect(status.json.databaseVersion).toBe(3);
  const states = status.json.migrations.map((m) => m.state);
  expect(states.slice(0, 3)).toEqual(['applied', 'applied', 'applied']);
  expect(['failed', 'pending']).toContain(states[3]); // failed in its transaction, or refused by lint before it
});
