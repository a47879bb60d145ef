// Grouped statements and bisection with strategy refresh, in-process on a real embedded
// TimescaleDB: a group of adjacent windows is ONE CALL refresh_continuous_aggregate over
// [first start, last end) with typed bound parameters; an hour whose rows make the aggregate
// fail (division by zero inside the aggregate) fails its group, which is bisected down to that
// hour while every other hour is refreshed; fixed and retried, the aggregate equals the direct one.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executeWindows } from '../../functions/engine/backfill/executor.js';
import { parseBackfillDefinition } from '../../functions/engine/backfill/definition.js';
import { planRun } from '../../functions/engine/backfill/plan.js';
import type { Driver, Executor, QueryParams } from '../../functions/engine/drivers/driver.js';
import { loadMigrationSet } from '../../functions/engine/migrations/set.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { startDynamoFixture, type DynamoFixture } from '../state/dynamo-fixture.js';
import { HOUR, cleanupTempDirs, cli } from '../backfill/support.js';
import { RANGE_END, RANGE_START, insertMetrics, timescaleWorkspace, type TimescaleWorkspace } from './support.js';

const backfill = (view: string) => `-- strategy: refresh
-- time-column: bucket
-- from: ${new Date(RANGE_START).toISOString()}
-- to: ${new Date(RANGE_END).toISOString()}
CALL refresh_continuous_aggregate('${view}', {window_start}, {window_end});
`;
/** An aggregate that fails on a row with tokens = 0 (division by zero). */
const inverse = (view: string) => `CREATE MATERIALIZED VIEW ${view} WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', time) AS bucket, model, sum(1.0 / tokens) AS inverse FROM llm_metrics GROUP BY 1, 2 WITH NO DATA;\n`;
const POISON_HOUR = 13;
const POISON_AT = `'2024-03-01T${POISON_HOUR}:10:00Z'`;
/** Long enough that groups grow by the sizer's own cap (1, 4, 16, 27) however slow the machine. */
const GROUPED = 600_000;

let fx: DynamoFixture;
let ws: TimescaleWorkspace;
beforeAll(async () => {
  fx = await startDynamoFixture();
  ws = await timescaleWorkspace('ts-refresh-grouped');
  // The fixture's 0002/0003 replaced by two aggregates that can fail.
  for (const m of loadMigrationSet(ws.migrations).migrations) if (m.version > 1) for (const file of Object.values(m.files)) rmSync(file!);
  for (const [version, view] of [[2, 'llm_inverse'], [3, 'llm_inverse_fresh']] as const) {
    writeFileSync(join(ws.migrations, `000${version}_${view}.up.sql`), inverse(view));
    writeFileSync(join(ws.migrations, `000${version}_${view}.backfill.sql`), backfill(view));
  }
  const applied = await cli(ws, ['apply']);
  expect(applied.code, applied.stderr).toBe(0);
  await insertMetrics(ws.url, RANGE_START, RANGE_END);
});
afterAll(async () => {
  await ws?.server.close();
  await fx?.close();
  cleanupTempDirs();
});

/** The driver, recording every statement and its parameters. */
function recording(driver: Driver): { driver: Driver; sent: Array<{ sql: string; params?: QueryParams }> } {
  const sent: Array<{ sql: string; params?: QueryParams }> = [];
  const wrap = (e: Executor): Executor => ({
    client: e.client,
    exec: (sql, params) => (sent.push({ sql, params }), e.exec(sql, params)),
    query: (sql, params) => (sent.push({ sql, params }), e.query(sql, params)),
  });
  const proxy = new Proxy(driver, {
    get(target, prop) {
      if (prop === 'withStatementLimits') return (limits: Parameters<Driver['withStatementLimits']>[0], fn: (e: Executor) => Promise<unknown>) => target.withStatementLimits(limits, (e) => fn(wrap(e)));
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { driver: proxy, sent };
}

const hourOf = (at: unknown) => ((at as Date).getTime() - RANGE_START) / HOUR;

async function inverseRows(d: Driver, view: string | null): Promise<string[]> {
  const sql = view === null
    ? `SELECT time_bucket('1 hour', time) AS bucket, model, sum(1.0 / tokens) AS inverse FROM llm_metrics WHERE time >= {from} AND time < {to} GROUP BY 1, 2`
    : `SELECT bucket, model, inverse FROM ${view}`;
  const rows = await d.query<{ bucket: Date; model: string; inverse: string }>(`SELECT * FROM (${sql}) r ORDER BY bucket, model`, view === null ? { from: new Date(RANGE_START), to: new Date(RANGE_END) } : undefined);
  return rows.map((r) => `${r.bucket.toISOString()} ${r.model} ${r.inverse}`);
}

async function withRun<T>(fn: (ctx: { driver: Driver; runs: RunStore; run(runId: string, version: number, allow?: 'pending' | 'failed'): Promise<{ result: Awaited<ReturnType<typeof executeWindows>>; spans: number[][]; calls: string[] }> }) => Promise<T>): Promise<T> {
  const driver = await openDriver(parseTargetUrl(ws.url));
  const runs = new RunStore(fx.doc, await fx.freshTable());
  const set = loadMigrationSet(ws.migrations);
  try {
    await driver.exec(`DELETE FROM llm_metrics WHERE model = 'poison'`); // each test brings its own
    return await fn({
      driver,
      runs,
      async run(runId, version, allow = 'pending') {
        const m = set.migrations.find((x) => x.version === version)!;
        const def = parseBackfillDefinition(m.backfillSql!, m);
        if (allow === 'pending') await planRun(driver, runs, set, { version, concurrency: 1, runId });
        const r = recording(driver);
        const result = await executeWindows(r.driver, runs, def, version, { runId, owner: 'w', concurrency: 1, allow: [allow], statementTargetMs: GROUPED });
        const calls = r.sent.filter((s) => /^CALL /.test(s.sql));
        return { result, calls: calls.map((c) => c.sql), spans: calls.map((c) => [hourOf(c.params!.window_start), hourOf(c.params!.window_end)]) };
      },
    });
  } finally {
    await driver.exec(`DELETE FROM llm_metrics WHERE model = 'poison'`).catch(() => undefined);
    await driver.close();
  }
}

const failedStarts = async (runs: RunStore, runId: string) => (await runs.listWindows(runId)).filter((w) => w.status === 'failed').map((w) => [hourOf(new Date(w.start)), w.lastError]);

it('a group is one refresh over [first start, last end) with typed bound parameters; a failing hour on a re-run is bisected down to it; fixed and retried, the aggregate equals the direct one', () =>
  withRun(async ({ driver, runs, run }) => {
    const first = await run('first', 2);
    expect(first.result).toMatchObject({ succeeded: 48, failed: 0, statements: 5 });
    // The view and typed bounds, bound as parameters: never values in the text.
    expect(new Set(first.calls)).toEqual(new Set([`CALL refresh_continuous_aggregate({view}::regclass, {window_start}::timestamptz, {window_end}::timestamptz)`]));
    // A group ends at a batch's edge (24 windows here): one batch item claims and completes it.
    expect(first.spans).toEqual([[0, 1], [1, 5], [5, 21], [21, 24], [24, 48]]);
    expect(await inverseRows(driver, 'llm_inverse')).toEqual(await inverseRows(driver, null));

    // A row that makes hour 13's aggregate fail: the group holding it is halved down to it.
    await driver.exec(`INSERT INTO llm_metrics VALUES (${POISON_AT}, 'poison', 0, 1)`);
    const second = await run('second', 2);
    expect(second.result).toMatchObject({ succeeded: 47, failed: 1, statements: 5 + 8 });
    expect(second.spans.filter(([a, b]) => a! <= POISON_HOUR && POISON_HOUR < b!).map(([a, b]) => b! - a!)).toEqual([16, 8, 4, 2, 1]);
    expect(await failedStarts(runs, 'second')).toEqual([[POISON_HOUR, 'division by zero']]);

    // Fixed (the row now counts), retried: hour 13 is refreshed and the whole aggregate equals the direct one.
    await driver.exec(`UPDATE llm_metrics SET tokens = 1 WHERE model = 'poison'`);
    const stale = await inverseRows(driver, 'llm_inverse');
    const direct = await inverseRows(driver, null);
    expect(stale.filter((row) => !direct.includes(row)).length + direct.filter((row) => !stale.includes(row)).length).toBeGreaterThan(0);
    expect((await run('second', 2, 'failed')).result).toMatchObject({ succeeded: 1, failed: 0 });
    expect(await inverseRows(driver, 'llm_inverse')).toEqual(direct);
  }));

it('a first refresh past the invalidation threshold that fails: TimescaleDB has moved the threshold, so every window of that group fails until fixed; retried, nothing is missing', () =>
  withRun(async ({ driver, runs, run }) => {
    await driver.exec(`INSERT INTO llm_metrics VALUES (${POISON_AT}, 'poison', 0, 1)`);
    const first = await run('fresh', 3);
    // The threshold move commits before the materialization fails: a refresh of any window
    // in [05:00, 21:00) then materializes that whole region again, and fails the same way.
    expect(await failedStarts(runs, 'fresh')).toEqual(Array.from({ length: 16 }, (_, i) => [5 + i, 'division by zero']));
    expect(first.result).toMatchObject({ succeeded: 32, failed: 16 });
    await driver.exec(`UPDATE llm_metrics SET tokens = 1 WHERE model = 'poison'`);
    expect((await run('fresh', 3, 'failed')).result).toMatchObject({ succeeded: 16, failed: 0 });
    expect(await inverseRows(driver, 'llm_inverse_fresh')).toEqual(await inverseRows(driver, null));
  }));
