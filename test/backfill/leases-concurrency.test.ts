// The window executor in-process, on real engines and an in-memory dynalite: an expired
// lease is taken over and a live one is not; the concurrency limit is never exceeded,
// measured both by the executor and (PostgreSQL) by the database's own session list.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackfillDefinition, type BackfillDefinition } from '../../functions/engine/backfill/definition.js';
import { executeWindows } from '../../functions/engine/backfill/executor.js';
import { planRun } from '../../functions/engine/backfill/plan.js';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { loadMigrationSet } from '../../functions/engine/migrations/set.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startDynamoFixture, type DynamoFixture } from '../state/dynamo-fixture.js';
import { SOURCE_START, migrationFiles, type EngineName, type FixtureOptions } from './fixture-migrations.js';
import { HOUR, cleanupTempDirs, inRanges, tableFacts, tempDir, writeMigrations } from './support.js';

let fx: DynamoFixture;
let pg: TestPostgres;
let clickhouse: Driver;
beforeAll(async () => {
  [fx, pg] = await Promise.all([startDynamoFixture(), startTestPostgres()]);
  // The one chdb directory this process opens; closed in afterAll.
  clickhouse = await openDriver(parseTargetUrl(`chdb:${join(tempDir('bf-lease-ch'), 'clickhouse')}`));
});
afterAll(async () => {
  await clickhouse?.close();
  await Promise.all([fx?.close(), pg?.stop()]);
  cleanupTempDirs();
});

const FIRST_HOUR = Math.floor(SOURCE_START / HOUR) * HOUR + 2 * HOUR;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Target {
  driver: Driver;
  engine: EngineName;
  def: BackfillDefinition;
  runs: RunStore;
  plan(runId: string, hours: number, concurrency: number): Promise<{ starts: string[] }>;
}

/** Applies the fixture's up migrations straight through the driver and plans runs with the real planner. */
async function target(engine: EngineName, o: FixtureOptions = {}): Promise<Target> {
  const driver = engine === 'clickhouse' ? clickhouse : await openDriver(parseTargetUrl(await pg.createDatabase(`bf_exec_${Math.random().toString(36).slice(2, 8)}`)));
  if (engine === 'clickhouse') for (const table of ['dst', 'src', 'ctl', 'probe']) await driver.exec(`DROP TABLE IF EXISTS ${table}`);
  const files = migrationFiles(engine, o);
  for (const name of ['0001_source.up.sql', '0002_target.up.sql']) for (const sql of driver.splitStatements(files[name]!)) await driver.exec(sql);
  const set = loadMigrationSet(writeMigrations(tempDir('bf-exec'), files));
  const def = parseBackfillDefinition(files['0002_target.backfill.sql']!, { version: 2, name: 'target' });
  const runs = new RunStore(fx.doc, await fx.freshTable());
  return {
    driver, engine, def, runs,
    async plan(runId, hours, concurrency) {
      await planRun(driver, runs, set, { version: 2, from: new Date(FIRST_HOUR), to: new Date(FIRST_HOUR + hours * HOUR), concurrency, runId });
      return { starts: (await runs.listWindows(runId)).map((w) => w.start) };
    },
  };
}

async function closeTarget(t: Target): Promise<void> {
  if (t.engine === 'postgres') await t.driver.close();
}

describe.each([['clickhouse'], ['postgres']] as Array<[EngineName]>)('%s leases', (engine) => {
  it('an expired lease is taken over; a live one is not, and its holder keeps it', async () => {
    const t = (await target(engine));
    try {
      const { starts } = await t.plan('leases', 6, 2);
      const [crashed, alive] = [starts[0]!, starts[1]!];
      expect(await t.runs.claimWindow('leases', crashed, 'crashed-worker', { leaseMs: 1, allow: ['pending'] })).not.toBeNull();
      expect(await t.runs.claimWindow('leases', alive, 'live-worker', { leaseMs: 10 * 60_000, allow: ['pending'] })).not.toBeNull();
      await sleep(5); // the 1 ms lease is over

      const result = await executeWindows(t.driver, t.runs, t.def, 2, { runId: 'leases', owner: 'resumer', concurrency: 2, allow: ['pending'] });
      expect(result).toMatchObject({ succeeded: 5, failed: 0, skipped: 1 });

      const windows = new Map((await t.runs.listWindows('leases')).map((w) => [w.start, w]));
      expect(windows.get(crashed)).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(windows.get(crashed)?.leaseOwner).toBeUndefined();
      expect(windows.get(alive)).toMatchObject({ status: 'running', attempts: 1, leaseOwner: 'live-worker' });
      for (const s of starts.slice(2)) expect(windows.get(s)).toMatchObject({ status: 'succeeded', attempts: 1 });

      // The crashed worker comes back late: it can neither complete, fail nor release what it lost.
      expect(await t.runs.completeWindow('leases', crashed, 'crashed-worker', { rows: 999, durationMs: 1 })).toBe(false);
      expect(await t.runs.failWindow('leases', crashed, 'crashed-worker', { error: new Error('late'), durationMs: 1 })).toBe(false);
      expect(await t.runs.releaseWindow('leases', alive, 'crashed-worker')).toBe(false);
      // A retry pass does not take the live window either.
      expect(await executeWindows(t.driver, t.runs, t.def, 2, { runId: 'leases', owner: 'retrier', concurrency: 2, allow: ['failed'] })).toMatchObject({ succeeded: 0, skipped: 1 });
      const after = new Map((await t.runs.listWindows('leases')).map((w) => [w.start, w]));
      expect(after.get(crashed)).toMatchObject({ status: 'succeeded', rows: windows.get(crashed)!.rows });
      expect(after.get(alive)).toMatchObject({ status: 'running', leaseOwner: 'live-worker', attempts: 1 });

      // The target: every window's rows except the live one's, which nobody else ran.
      const aliveHour: [number, number] = [Date.parse(alive), Date.parse(alive) + HOUR];
      const range: [number, number] = [FIRST_HOUR, FIRST_HOUR + 6 * HOUR];
      expect((await tableFacts(t.driver, 'dst', inRanges(engine, [aliveHour]))).count).toBe(0);
      const expected = await tableFacts(t.driver, 'src', `(${inRanges(engine, [range])}) AND NOT (${inRanges(engine, [aliveHour])})`);
      expect(await tableFacts(t.driver, 'dst')).toEqual(expected);
    } finally {
      await closeTarget(t);
    }
  });
});

describe('the concurrency limit', () => {
  it.each([[1], [3]])('ClickHouse, --concurrency %i: never more windows at once', async (n) => {
    const t = (await target('clickhouse'));
    await t.plan(`ch-c${n}`, 24, n);
    const result = await executeWindows(t.driver, t.runs, t.def, 2, { runId: `ch-c${n}`, owner: 'w', concurrency: n, allow: ['pending'] });
    expect(result).toMatchObject({ succeeded: 24, failed: 0 });
    expect(result.peakConcurrency).toBeLessThanOrEqual(n);
    if (n > 1) expect(result.peakConcurrency).toBeGreaterThan(1);
    const range = inRanges('clickhouse', [[FIRST_HOUR, FIRST_HOUR + 24 * HOUR]]);
    expect(await tableFacts(t.driver, 'dst')).toEqual(await tableFacts(t.driver, 'src', range));
  });

  // Each window's statement records how many backfill statements the server is running at
  // that moment (pg_stat_activity), and sleeps a little so windows overlap when allowed to.
  const probing = [
    'WITH nap AS (SELECT pg_sleep(0.05) AS slept),',
    "  probe AS (INSERT INTO probe (active) SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'WITH nap AS%')",
    'INSERT INTO dst SELECT id, ts, v FROM src, nap WHERE ts >= {window_start} AND ts < {window_end}',
  ].join('\n');

  it.each([[1], [3]])('PostgreSQL, --concurrency %i: never more windows at once, in the executor and on the server', async (n) => {
    const t = (await target('postgres', { statement: probing }));
    try {
      await t.driver.exec('CREATE TABLE probe (active bigint NOT NULL)');
      await t.plan(`pg-c${n}`, 24, n);
      const result = await executeWindows(t.driver, t.runs, t.def, 2, { runId: `pg-c${n}`, owner: 'w', concurrency: n, allow: ['pending'] });
      expect(result).toMatchObject({ succeeded: 24, failed: 0 });
      const [seen] = await t.driver.query<{ most: number; windows: number }>('SELECT max(active) AS most, count(*) AS windows FROM probe');
      // One probe row per statement: windows are grouped into statements (executor.ts).
      expect(Number(seen!.windows)).toBe(result.statements);
      expect(result.peakConcurrency).toBeLessThanOrEqual(n);
      expect(Number(seen!.most)).toBeLessThanOrEqual(n);
      if (n === 1) expect(Number(seen!.most)).toBe(1);
      else {
        expect(result.peakConcurrency).toBeGreaterThan(1);
        expect(Number(seen!.most)).toBeGreaterThan(1);
      }
      const range = inRanges('postgres', [[FIRST_HOUR, FIRST_HOUR + 24 * HOUR]]);
      expect(await tableFacts(t.driver, 'dst')).toEqual(await tableFacts(t.driver, 'src', range));
    } finally {
      await closeTarget(t);
    }
  });
});
