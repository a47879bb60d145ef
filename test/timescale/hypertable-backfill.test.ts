// Backfills into TimescaleDB hypertables, on a real embedded TimescaleDB: the `delete`
// strategy INSERTs into a hypertable as on plain PostgreSQL; over compressed chunks a window
// works (TimescaleDB 2.23 decompresses what DML touches), for `delete` and for `refresh`
// (source and aggregate compressed); and where TimescaleDB refuses (its per-transaction
// decompression limit), the window fails with one line naming the chunk and what to run.
import { afterEach, describe, expect, it } from 'vitest';
import { executeWindows } from '../../functions/engine/backfill/executor.js';
import { parseBackfillDefinition } from '../../functions/engine/backfill/definition.js';
import { planRun } from '../../functions/engine/backfill/plan.js';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { loadMigrationSet } from '../../functions/engine/migrations/set.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { startDynamoFixture } from '../state/dynamo-fixture.js';
import { HOUR, cleanupTempDirs, cli, cliJson, windowsOf, withTarget } from '../backfill/support.js';
import { RANGE_END, RANGE_START, aggregateRows, directRows, insertMetrics, timescaleWorkspace, type TimescaleWorkspace } from './support.js';

/** PGlite admits one client at a time: one window at a time (see refresh.test.ts). */
const ONE_SESSION = ['--concurrency', '1'];
const ROWS_PER_HOUR = 12 * 3;

let ws: TimescaleWorkspace | undefined;
afterEach(async () => {
  await ws?.server.close();
  ws = undefined;
  cleanupTempDirs();
});

async function filled(): Promise<TimescaleWorkspace> {
  ws = await timescaleWorkspace('ts-hypertable');
  const applied = await cli(ws, ['apply']);
  expect(applied.code, applied.stderr).toBe(0);
  await insertMetrics(ws.url, RANGE_START - HOUR, RANGE_END + HOUR);
  return ws;
}

/** Count and an order-independent checksum of (time, model, tokens) rows in the range. */
async function facts(d: Driver, table: string): Promise<{ n: string; c: string }> {
  const [row] = await d.query<{ n: string; c: string }>(
    `SELECT count(*)::text AS n, coalesce(sum(('x' || substr(md5(time::text || model || tokens), 1, 15))::bit(60)::bigint), 0)::text AS c
       FROM ${table} WHERE time >= {from} AND time < {to}`,
    { from: new Date(RANGE_START), to: new Date(RANGE_END) },
  );
  return row!;
}

const compressAll = (d: Driver, relation: string) => d.query(`SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('${relation}') c`);
const compressedChunks = async (d: Driver, hypertable: string) =>
  (await d.query<{ chunk: string }>(`SELECT format('%I.%I', chunk_schema, chunk_name) AS chunk FROM timescaledb_information.chunks WHERE hypertable_name = {h} AND is_compressed ORDER BY range_start`, { h: hypertable })).map((r) => r.chunk);

describe('delete strategy into a hypertable', () => {
  it('fills the hypertable window by window as on plain PostgreSQL; over compressed chunks a re-run repairs a window and keeps the rest', async () => {
    const w = await filled();
    const r = await cliJson(w, ['backfill', '3', ...ONE_SESSION]);
    expect(r.json, r.stderr).toMatchObject({ status: 'succeeded', windows: { total: 48, succeeded: 48 }, rows: 48 * ROWS_PER_HOUR });
    for (const win of await windowsOf(w, r.json.runId)) expect(win).toMatchObject({ rows: ROWS_PER_HOUR, sourceRows: ROWS_PER_HOUR });
    const source = await withTarget(w.url, (d) => facts(d, 'llm_metrics'));
    expect(await withTarget(w.url, (d) => facts(d, 'llm_requests'))).toEqual(source);

    // Compressed, then tampered with (rows deleted from a compressed chunk): a second run repairs it.
    await withTarget(w.url, async (d) => {
      await d.exec(`ALTER TABLE llm_requests SET (timescaledb.compress, timescaledb.compress_segmentby = 'model')`);
      await compressAll(d, 'llm_requests');
      expect(await compressedChunks(d, 'llm_requests')).toHaveLength(2);
      await d.exec(`DELETE FROM llm_requests WHERE time >= '2024-03-01T05:00:00Z' AND time < '2024-03-01T06:00:00Z' AND model = 'gpt-4o'`);
      expect(await facts(d, 'llm_requests')).not.toEqual(source);
    });
    const again = await cliJson(w, ['backfill', '3', ...ONE_SESSION]);
    expect(again.json, again.stderr).toMatchObject({ status: 'succeeded', windows: { total: 48, succeeded: 48 }, rows: 48 * ROWS_PER_HOUR });
    expect(await withTarget(w.url, (d) => facts(d, 'llm_requests'))).toEqual(source);
  });

  it('a window TimescaleDB will not decompress fails with one line naming the chunk and what to run; done as it says, the retry succeeds', async () => {
    const w = await filled();
    expect((await cli(w, ['backfill', '3', ...ONE_SESSION])).code).toBe(0);
    const fx = await startDynamoFixture();
    const driver = await openDriver(parseTargetUrl(w.url));
    try {
      await driver.exec(`ALTER TABLE llm_requests SET (timescaledb.compress, timescaledb.compress_segmentby = 'model')`);
      await compressAll(driver, 'llm_requests');
      const [firstDay] = await compressedChunks(driver, 'llm_requests');
      // As a large window would: more rows to decompress than one transaction may.
      await driver.exec('SET timescaledb.max_tuples_decompressed_per_dml_transaction = 10');
      const set = loadMigrationSet(w.migrations);
      const m = set.migrations.find((x) => x.version === 3)!;
      const def = parseBackfillDefinition(m.backfillSql!, m);
      const runs = new RunStore(fx.doc, await fx.freshTable());
      const from = new Date(RANGE_START + 5 * HOUR);
      await planRun(driver, runs, set, { version: 3, from, to: new Date(from.getTime() + HOUR), concurrency: 1, runId: 'compressed' });
      const run = (allow: 'pending' | 'failed') => executeWindows(driver, runs, def, 3, { runId: 'compressed', owner: 'w', concurrency: 1, allow: [allow], statementTargetMs: 0 });
      expect(await run('pending')).toMatchObject({ succeeded: 0, failed: 1 });
      const [failed] = await runs.listWindows('compressed');
      expect(failed!.lastError).toBe(
        `window 2024-03-01T05:00:00.000Z touches compressed chunk ${firstDay} of llm_requests: the window decompresses more rows than timescaledb.max_tuples_decompressed_per_dml_transaction allows; run SELECT decompress_chunk('${firstDay}'); then retry the run (compress_chunk it again afterwards), or raise that setting (0: unlimited) for the role`,
      );
      await driver.query(`SELECT decompress_chunk('${firstDay}')`);
      expect(await run('failed')).toMatchObject({ succeeded: 1, failed: 0 });
      expect(await facts(driver, 'llm_requests')).toEqual(await facts(driver, 'llm_metrics'));
    } finally {
      await driver.close();
      await fx.close();
    }
  });
});

describe('refresh over compressed chunks', () => {
  it('works with the hypertable and the aggregate compressed: changed source rows are refreshed into compressed buckets', async () => {
    const w = await filled();
    expect((await cliJson(w, ['backfill', '2', ...ONE_SESSION])).json).toMatchObject({ status: 'succeeded' });
    await withTarget(w.url, async (d) => {
      await compressAll(d, 'llm_metrics');
      await d.exec('ALTER MATERIALIZED VIEW llm_metrics_hourly SET (timescaledb.compress = true)');
      await compressAll(d, 'llm_metrics_hourly');
      expect(await compressedChunks(d, 'llm_metrics')).toHaveLength(4);
      await d.exec(`UPDATE llm_metrics SET tokens = tokens + 1000 WHERE time >= '2024-03-02T07:00:00Z' AND time < '2024-03-02T09:00:00Z'`);
    });
    const stale = await aggregateRows(w.url);
    const direct = await directRows(w.url, RANGE_START, RANGE_END);
    expect(stale).not.toEqual(direct);
    const r = await cliJson(w, ['backfill', '2', ...ONE_SESSION]);
    expect(r.json, r.stderr).toMatchObject({ status: 'succeeded', windows: { total: 48, succeeded: 48 } });
    expect(await aggregateRows(w.url)).toEqual(direct);
  });
});
