// Before a window runs again (here: an expired lease taken over), any earlier attempt's
// statement still running for it is cancelled and gone. PostgreSQL: a real long INSERT in
// another session, named as attempt 1 of the window names it, abandoned mid-way; without the
// cancel it would commit after the re-run and duplicate the window's rows.
// ClickHouse through the HTTP endpoint `hourglass serve` runs over embedded ClickHouse (a chdb
// session per request, so statements run side by side): a real long INSERT under attempt 1's
// query id, abandoned mid-way, is gone — by the re-run's own KILL QUERY … SYNC — before the
// re-run deletes and inserts. In-process chdb (one session runs one statement at a time) can
// only show that the KILL runs and that every window statement carries its query id.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChdbHttp } from '../../functions/engine/embedded/chdb-http.js';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { parseBackfillDefinition } from '../../functions/engine/backfill/definition.js';
import { executeWindows } from '../../functions/engine/backfill/executor.js';
import { planRun } from '../../functions/engine/backfill/plan.js';
import { statementLabel, windowLabelPrefix } from '../../functions/engine/backfill/statement-label.js';
import { loadMigrationSet } from '../../functions/engine/migrations/set.js';
import { openDriver, withDriver } from '../../functions/engine/open-target.js';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startDynamoFixture, type DynamoFixture } from '../state/dynamo-fixture.js';
import { SOURCE_START, migrationFiles } from './fixture-migrations.js';
import { HOUR, cleanupTempDirs, inRanges, tableFacts, tempDir, writeMigrations } from './support.js';

let fx: DynamoFixture;
let server: TestPostgres;
beforeAll(async () => {
  [fx, server] = await Promise.all([startDynamoFixture(), startTestPostgres()]);
});
afterAll(async () => {
  await Promise.all([fx?.close(), server?.stop()]);
  cleanupTempDirs();
});

const FIRST_HOUR = Math.floor(SOURCE_START / HOUR) * HOUR + 2 * HOUR;
const HOURS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const names = (runId: string) => (w: { start: string; attempts: number }) => ({ label: statementLabel(runId, w.start, w.attempts), prefix: windowLabelPrefix(runId, w.start) });

describe('kill before re-run', () => {
  it('PostgreSQL: an abandoned attempt still inserting is cancelled before the window runs again; no duplicates', async () => {
    const url = await server.createDatabase('kill_rerun');
    const files = migrationFiles('postgres');
    const set = loadMigrationSet(writeMigrations(tempDir('bf-kill-pg'), files));
    const def = parseBackfillDefinition(files['0002_target.backfill.sql']!, { version: 2, name: 'target' });
    const runs = new RunStore(fx.doc, await fx.freshTable());
    await withDriver(url, async (driver) => {
      for (const name of ['0001_source.up.sql', '0002_target.up.sql']) await driver.exec(files[name]!);
      await planRun(driver, runs, set, { version: 2, from: new Date(FIRST_HOUR), to: new Date(FIRST_HOUR + HOURS * HOUR), concurrency: 1, runId: 'kill' });
      const [first] = await runs.listWindows('kill');
      // Attempt 1: its worker claims the window with a lease that ends at once, starts the
      // window's INSERT in its own session, named as attempt 1, and is never heard of again.
      const lost = await runs.claimWindow('kill', first!.start, 'lost-worker', { leaseMs: 1, allow: ['pending'] });
      expect(lost).toMatchObject({ attempts: 1 });
      const abandoned = new pg.Client({ connectionString: url });
      await abandoned.connect();
      const outcome = (async () => {
        await abandoned.query('BEGIN');
        await abandoned.query("SELECT set_config('application_name', $1, true)", [statementLabel('kill', first!.start, 1)]);
        try {
          await abandoned.query('INSERT INTO dst SELECT id, ts, v FROM src, (SELECT pg_sleep(60)) AS slow WHERE ts >= $1 AND ts < $2', [first!.start, first!.end]);
          await abandoned.query('COMMIT');
          return 'committed';
        } catch (error) {
          await abandoned.query('ROLLBACK').catch(() => undefined);
          return (error as { code?: string }).code ?? 'error';
        }
      })();
      const running = async () => (await driver.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE starts_with(application_name, {p}) AND state = 'active'", { p: windowLabelPrefix('kill', first!.start) }))[0]!.n;
      while ((await running()) === 0) await sleep(20);

      const result = await executeWindows(driver, runs, def, 2, { runId: 'kill', owner: 'next-worker', concurrency: 1, allow: ['pending'], statementLabel: names('kill') });
      expect(result).toMatchObject({ succeeded: HOURS, failed: 0 });
      // Cancelled (57014) or, left idle in its aborted transaction, terminated (57P01): never committed.
      expect(['57014', '57P01']).toContain(await outcome);
      await abandoned.end().catch(() => undefined);
      expect(await running()).toBe(0);

      const windows = await runs.listWindows('kill');
      expect(windows.map((w) => [w.status, w.attempts])).toEqual([['succeeded', 2], ...Array.from({ length: HOURS - 1 }, () => ['succeeded', 1])]);
      const range = inRanges('postgres', [[FIRST_HOUR, FIRST_HOUR + HOURS * HOUR]]);
      expect(await tableFacts(driver, 'dst')).toEqual(await tableFacts(driver, 'src', range));
    });
  });

  it('ClickHouse: the re-run kills by query id (KILL QUERY … SYNC runs on chdb) and its statements carry the window label', async () => {
    const files = migrationFiles('clickhouse');
    const url = `chdb:${join(tempDir('bf-kill-ch'), 'clickhouse')}`;
    const set = loadMigrationSet(writeMigrations(tempDir('bf-kill-ch-m'), files));
    const def = parseBackfillDefinition(files['0002_target.backfill.sql']!, { version: 2, name: 'target' });
    const runs = new RunStore(fx.doc, await fx.freshTable());
    const driver = await openDriver(parseTargetUrl(url));
    try {
      for (const name of ['0001_source.up.sql', '0002_target.up.sql']) for (const sql of driver.splitStatements(files[name]!)) await driver.exec(sql);
      await planRun(driver, runs, set, { version: 2, from: new Date(FIRST_HOUR), to: new Date(FIRST_HOUR + HOURS * HOUR), concurrency: 1, runId: 'kill-ch' });
      const [first] = await runs.listWindows('kill-ch');
      await runs.claimWindow('kill-ch', first!.start, 'lost-worker', { leaseMs: 1, allow: ['pending'] });
      await sleep(5);
      const seen: string[] = [];
      const result = await executeWindows(driver, runs, def, 2, {
        runId: 'kill-ch', owner: 'next-worker', concurrency: 1, allow: ['pending'],
        statementLabel: (w) => {
          const n = names('kill-ch')(w);
          seen.push(n.label);
          return n;
        },
      });
      expect(result).toMatchObject({ succeeded: HOURS, failed: 0 });
      expect(seen[0]).toBe(statementLabel('kill-ch', first!.start, 2));
      await driver.cancelStatements(windowLabelPrefix('kill-ch', first!.start)); // nothing left to kill: returns
      const range = inRanges('clickhouse', [[FIRST_HOUR, FIRST_HOUR + HOURS * HOUR]]);
      expect(await tableFacts(driver, 'dst')).toEqual(await tableFacts(driver, 'src', range));
    } finally {
      await driver.close();
    }
  });

  it('ClickHouse over HTTP: an abandoned attempt still inserting is killed by query id before the window runs again; no duplicates', async () => {
    const files = migrationFiles('clickhouse');
    const server = await startChdbHttp(join(tempDir('bf-kill-http'), 'chdb'));
    const set = loadMigrationSet(writeMigrations(tempDir('bf-kill-http-m'), files));
    const def = parseBackfillDefinition(files['0002_target.backfill.sql']!, { version: 2, name: 'target' });
    const runs = new RunStore(fx.doc, await fx.freshTable());
    const [driver, lostDriver] = [await openDriver(parseTargetUrl(server.url)), await openDriver(parseTargetUrl(server.url))];
    // What the engine still runs under a label prefix, asked beside everything else (KILL QUERY … TEST stops nothing).
    const runningUnder = async (prefix: string) => {
      const res = await fetch(`http://127.0.0.1:${server.port}/?${new URLSearchParams({ param_p: prefix })}`, { method: 'POST', body: 'KILL QUERY WHERE startsWith(query_id, {p:String}) TEST FORMAT JSONEachRow' });
      expect(res.status).toBe(200);
      return (await res.text()).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { query_id: string }).query_id);
    };
    try {
      for (const name of ['0001_source.up.sql', '0002_target.up.sql']) for (const sql of driver.splitStatements(files[name]!)) await driver.exec(sql);
      await planRun(driver, runs, set, { version: 2, from: new Date(FIRST_HOUR), to: new Date(FIRST_HOUR + HOURS * HOUR), concurrency: 1, runId: 'kill-http' });
      const [first] = await runs.listWindows('kill-http');
      const prefix = windowLabelPrefix('kill-http', first!.start);
      const lost = await runs.claimWindow('kill-http', first!.start, 'lost-worker', { leaseMs: 1, allow: ['pending'] });
      expect(lost).toMatchObject({ attempts: 1 });
      // Attempt 1's INSERT, under the query id attempt 1 carries, held for 300 s (longer than the
      // test may take) before it writes the hour: unless killed it is still running when the
      // re-run inserts, and would then commit the hour a second time.
      const outcome = lostDriver.withStatementLimits({ label: statementLabel('kill-http', first!.start, 1) }, (exec) => exec.exec(
        `INSERT INTO dst SELECT id, ts, v FROM src AS s
         CROSS JOIN (SELECT max(z) AS slept FROM (SELECT sleepEachRow(1) AS z FROM numbers(300) SETTINGS max_block_size = 1)) AS slow
         WHERE ts >= {window_start} AND ts < {window_end}`,
        { window_start: new Date(first!.start), window_end: new Date(first!.end) },
      )).then(() => 'committed', (error: { type?: string }) => error.type ?? String(error));
      while ((await runningUnder(prefix)).length === 0) {
        if (await Promise.race([outcome, sleep(50)])) throw new Error(`attempt 1's statement ended on its own: ${await outcome}`);
      }
      expect(await runningUnder(prefix)).toEqual([`${statementLabel('kill-http', first!.start, 1)}:1`]);

      // The re-run, watched: what the engine still runs under the window's prefix once its cancel
      // returns, and the order of the cancel and the window's own statements.
      const events: string[] = [];
      const watched = new Proxy(driver, {
        get(target, key) {
          if (key === 'cancelStatements') {
            return async (p: string) => {
              await target.cancelStatements(p);
              events.push(`cancelled ${p === prefix ? 'window 1' : p}: ${(await runningUnder(p)).length} left`);
            };
          }
          if (key === 'withStatementLimits') return (limits: { label?: string }, fn: never) => (events.push(`statement ${limits.label}`), target.withStatementLimits(limits, fn));
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }) as Driver;
      const result = await executeWindows(watched, runs, def, 2, { runId: 'kill-http', owner: 'next-worker', concurrency: 1, allow: ['pending'], statementLabel: names('kill-http') });
      expect(result).toMatchObject({ succeeded: HOURS, failed: 0 });
      // Every cancel returns before the re-run's first statement (which, grouped or not, carries attempt 2's label of window 1).
      const firstStatement = events.findIndex((e) => e.startsWith('statement'));
      expect(events.slice(0, firstStatement)).toContain('cancelled window 1: 0 left');
      expect(events.slice(0, firstStatement).every((e) => e.startsWith('cancelled'))).toBe(true);
      expect(events[firstStatement]).toBe(`statement ${statementLabel('kill-http', first!.start, 2)}`);
      expect(await outcome).toBe('QUERY_WAS_CANCELLED');

      const windows = await runs.listWindows('kill-http');
      expect(windows.map((w) => [w.status, w.attempts])).toEqual([['succeeded', 2], ...Array.from({ length: HOURS - 1 }, () => ['succeeded', 1])]);
      const range = inRanges('clickhouse', [[FIRST_HOUR, FIRST_HOUR + HOURS * HOUR]]);
      expect(await tableFacts(driver, 'dst')).toEqual(await tableFacts(driver, 'src', range));
      expect(await runningUnder('hg-')).toEqual([]);
    } finally {
      // A failed run of this test must not leave attempt 1 holding the endpoint's close for minutes.
      await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', body: "KILL QUERY WHERE startsWith(query_id, 'hg-') SYNC" }).catch(() => undefined);
      await Promise.all([driver.close(), lostDriver.close()]);
      await server.close();
    }
  });
});
