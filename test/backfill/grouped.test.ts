// Statements sized by duration, bookkeeping by the hour: the executor in-process on real
// engines (chdb, embedded PostgreSQL) and dynalite. Adjacent windows run as one statement;
// a poisoned hour is isolated by bisection; a grouped run leaves exactly the rows and the
// per-window counts an hourly run does; every strategy gives the same rows when a window is
// run again alone or inside a differently cut group; per-window counts come from one grouped
// query per statement (counted through a wrapper around the real driver).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackfillDefinition, type BackfillDefinition } from '../../functions/engine/backfill/definition.js';
import { executeWindows, type ExecuteResult } from '../../functions/engine/backfill/executor.js';
import { planRun } from '../../functions/engine/backfill/plan.js';
import { statementLabel, windowLabelPrefix } from '../../functions/engine/backfill/statement-label.js';
import pg from 'pg';
import type { Driver, Executor } from '../../functions/engine/drivers/driver.js';
import { loadMigrationSet } from '../../functions/engine/migrations/set.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startDynamoFixture, type DynamoFixture } from '../state/dynamo-fixture.js';
import { SOURCE_START, migrationFiles, type EngineName, type FixtureOptions } from './fixture-migrations.js';
import { HOUR, cleanupTempDirs, inRanges, tableFacts, tempDir, timeLiteral, writeMigrations } from './support.js';

let fx: DynamoFixture;
let server: TestPostgres;
let clickhouse: Driver;
beforeAll(async () => {
  [fx, server] = await Promise.all([startDynamoFixture(), startTestPostgres()]);
  // The one chdb directory this process opens; closed in afterAll.
  clickhouse = await openDriver(parseTargetUrl(`chdb:${join(tempDir('bf-grouped-ch'), 'clickhouse')}`));
});
afterAll(async () => {
  await clickhouse?.close();
  await Promise.all([fx?.close(), server?.stop()]);
  cleanupTempDirs();
});

/** Whole hours inside the source (it starts at 00:17). */
const FIRST_HOUR = Math.floor(SOURCE_START / HOUR) * HOUR + HOUR;
const HOURS = 24;
/** Long enough that groups grow by the sizer's own cap (1, 4, 16, …) however slow the machine. */
const GROUPED = 600_000;

/** Every statement the executor sends, through the real driver. */
function counting(driver: Driver): { driver: Driver; sql: string[] } {
  const sql: string[] = [];
  const wrap = (e: Executor): Executor => ({
    client: e.client,
    exec: (s, p) => (sql.push(s), e.exec(s, p)),
    query: (s, p) => (sql.push(s), e.query(s, p)),
  });
  const proxy = new Proxy(driver, {
    get(target, prop) {
      if (prop === 'exec' || prop === 'query') return wrap(target)[prop];
      if (prop === 'withStatementLimits') return (limits: Parameters<Driver['withStatementLimits']>[0], fn: (e: Executor) => Promise<unknown>) => target.withStatementLimits(limits, (e) => fn(wrap(e)));
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { driver: proxy, sql };
}

interface Target {
  driver: Driver;
  engine: EngineName;
  def: BackfillDefinition;
  runs: RunStore;
  url?: string;
  /** The run id this target gives a test's run name (unique in the process). */
  own(name: string): string;
  set: ReturnType<typeof loadMigrationSet>;
  /** Plans run `runId` over hours [from, to) after FIRST_HOUR and runs it with that statement target. */
  run(runId: string, hours: [number, number], statementTargetMs: number): Promise<ExecuteResult & { sql: string[] }>;
  close(): Promise<void>;
}

async function target(engine: EngineName, o: FixtureOptions = {}): Promise<Target> {
  const url = engine === 'clickhouse' ? undefined : await server.createDatabase(`bf_grp_${Math.random().toString(36).slice(2, 8)}`);
  const driver = url === undefined ? clickhouse : await openDriver(parseTargetUrl(url));
  if (engine === 'clickhouse') for (const table of ['dst', 'src', 'ctl']) await driver.exec(`DROP TABLE IF EXISTS ${table}`);
  const files = migrationFiles(engine, o);
  for (const name of ['0001_source.up.sql', '0002_target.up.sql']) for (const sql of driver.splitStatements(files[name]!)) await driver.exec(sql);
  const set = loadMigrationSet(writeMigrations(tempDir('bf-grouped'), files));
  const def = parseBackfillDefinition(files['0002_target.backfill.sql']!, { version: 2, name: 'target' });
  // A fresh table per target: run ids (and what the process learned about them, group-size.ts sizerFor) never repeat.
  const runs = new RunStore(fx.doc, await fx.freshTable());
  const tag = Math.random().toString(36).slice(2, 8);
  const own = (runId: string) => `${runId}-${tag}`;
  return {
    driver, engine, def, runs, url, set, own,
    async run(name, [from, to], statementTargetMs) {
      const runId = own(name);
      await planRun(driver, runs, set, { version: 2, from: new Date(FIRST_HOUR + from * HOUR), to: new Date(FIRST_HOUR + to * HOUR), concurrency: 1, runId });
      const c = counting(driver);
      const result = await executeWindows(c.driver, runs, def, 2, { runId, owner: 'w', concurrency: 1, allow: ['pending'], statementTargetMs });
      return { ...result, sql: c.sql };
    },
    close: async () => {
      if (engine === 'postgres') await driver.close();
    },
  };
}

const range = (engine: EngineName, from: number, to: number) => inRanges(engine, [[FIRST_HOUR + from * HOUR, FIRST_HOUR + to * HOUR]]);

/** What each window's record says, by start. */
async function recordsOf(t: Target, name: string) {
  return (await t.runs.listWindows(t.own(name))).map((w) => ({ start: w.start, status: w.status, rows: w.rows, sourceRows: w.sourceRows }));
}

/** The rows each hour of dst holds, counted independently of the executor. */
async function hourCounts(t: Target, hours: number): Promise<number[]> {
  const out: number[] = [];
  for (let h = 0; h < hours; h++) {
    const [row] = await t.driver.query<{ n: unknown }>(`SELECT count(*) AS n FROM dst WHERE ${range(t.engine, h, h + 1)}`);
    out.push(Number(row!.n));
  }
  return out;
}

describe.each([['clickhouse'], ['postgres']] as Array<[EngineName]>)('%s grouped statements', (engine) => {
  it('a poisoned source row fails one hour: bisection isolates it, every other hour of its group succeeds', async () => {
    const poisonHour = 13;
    const statement = engine === 'clickhouse'
      ? "INSERT INTO dst SELECT id, ts, if(throwIf(v = 'poison', 'poisoned source row') = 0, v, '') FROM src WHERE ts >= {window_start} AND ts < {window_end}"
      : "INSERT INTO dst SELECT id, ts, CASE WHEN v = 'poison' THEN (1 / (length(v) - 6))::text ELSE v END FROM src WHERE ts >= {window_start} AND ts < {window_end}";
    const t = await target(engine, { statement });
    try {
      await t.driver.exec(`INSERT INTO src (id, ts, v) VALUES (999999, ${timeLiteral(engine, FIRST_HOUR + poisonHour * HOUR + 10 * 60_000)}, 'poison')`);
      const result = await t.run('poison', [0, HOURS], GROUPED);
      expect(result).toMatchObject({ succeeded: HOURS - 1, failed: 1 });
      // Groups of 1, 4, 16 (hours 5–20, fails) and 3 windows; the failed one is bisected:
      // 5–12 ok, 13–20 fails → 13–16 fails → 13–14 fails → 13 fails, 14 ok; 15–16 ok; 17–20 ok.
      expect(result.statements).toBe(4 + 8);
      const records = await recordsOf(t, 'poison');
      const failed = (await t.runs.listWindows(t.own('poison'))).filter((w) => w.status === 'failed');
      expect(failed.map((w) => w.start)).toEqual([new Date(FIRST_HOUR + poisonHour * HOUR).toISOString()]);
      expect(failed[0]!.lastError).toMatch(engine === 'clickhouse' ? /poisoned source row/ : /division by zero/);
      // Every other hour holds exactly its source rows, and its record says so.
      const good = `(${range(engine, 0, HOURS)}) AND NOT (${range(engine, poisonHour, poisonHour + 1)})`;
      expect(await tableFacts(t.driver, 'dst')).toEqual(await tableFacts(t.driver, 'src', good));
      const perHour = await hourCounts(t, HOURS);
      records.forEach((r, h) => {
        if (h === poisonHour) return expect(r.status).toBe('failed');
        expect(r).toMatchObject({ status: 'succeeded', rows: perHour[h], sourceRows: perHour[h] });
      });
    } finally {
      await t.close();
    }
  });

  it('a grouped run leaves exactly the rows and per-window counts of an hourly run, from one count query per statement', async () => {
    const t = await target(engine);
    try {
      const hourly = await t.run('hourly', [0, HOURS], 0);
      expect(hourly).toMatchObject({ succeeded: HOURS, failed: 0, statements: HOURS });
      const rowsHourly = await tableFacts(t.driver, 'dst');
      expect(rowsHourly).toEqual(await tableFacts(t.driver, 'src', range(engine, 0, HOURS)));
      await t.driver.exec(engine === 'clickhouse' ? 'TRUNCATE TABLE dst' : 'TRUNCATE dst');

      const grouped = await t.run('grouped', [0, HOURS], GROUPED);
      expect(grouped).toMatchObject({ succeeded: HOURS, failed: 0 });
      expect(grouped.statements).toBe(4); // 1 + 4 + 16 + 3 windows
      expect(await tableFacts(t.driver, 'dst')).toEqual(rowsHourly);
      const strip = (rs: Awaited<ReturnType<typeof recordsOf>>) => rs.map(({ start, rows, sourceRows, status }) => ({ start, rows, sourceRows, status }));
      expect(strip(await recordsOf(t, 'grouped'))).toEqual(strip(await recordsOf(t, 'hourly')));
      expect((await recordsOf(t, 'grouped')).map((r) => r.rows)).toEqual(await hourCounts(t, HOURS));

      // Counts: one grouped query per statement, no count per window (the one extra count is
      // the batch's emptiness check, made once before any statement).
      const grouping = grouped.sql.filter((s) => s.includes('hg_window'));
      expect(grouping).toHaveLength(grouped.statements);
      expect(grouping.every((s) => /GROUP BY hg_bucket[\s\S]*UNION ALL[\s\S]*GROUP BY hg_bucket/.test(s))).toBe(true);
      expect(grouped.sql.filter((s) => /^\s*SELECT/i.test(s) && /count\(/i.test(s) && !s.includes('hg_window'))).toHaveLength(1);
      expect(hourly.sql.filter((s) => s.includes('hg_window'))).toHaveLength(HOURS);
    } finally {
      await t.close();
    }
  });

  it('a source-count that cannot be grouped is still one query per statement, with exact counts per window', async () => {
    // count(DISTINCT …) with a subquery: not the simple shape, so each window's count is a
    // scalar subquery of the statement's one count query.
    const sourceCount = engine === 'clickhouse'
      ? 'SELECT count(DISTINCT id) FROM (SELECT id FROM src WHERE ts >= {window_start} AND ts < {window_end})'
      : 'SELECT count(DISTINCT id) FROM (SELECT id FROM src WHERE ts >= {window_start} AND ts < {window_end}) AS s';
    const t = await target(engine);
    try {
      t.def.sourceCount = sourceCount;
      const grouped = await t.run('fallback', [0, HOURS], GROUPED);
      expect(grouped).toMatchObject({ succeeded: HOURS, failed: 0, statements: 4 });
      const perHour = await hourCounts(t, HOURS);
      expect(perHour.every((n) => n > 0)).toBe(true);
      expect((await recordsOf(t, 'fallback')).map((r) => [r.rows, r.sourceRows])).toEqual(perHour.map((n) => [n, n]));
      expect(grouped.sql.filter((s) => s.includes('hg_window'))).toHaveLength(4);
    } finally {
      await t.close();
    }
  });
});

describe('every strategy: a window run again alone or inside a differently cut group leaves the same rows', () => {
  const cases: Array<[string, EngineName, FixtureOptions]> = [
    ['ClickHouse delete', 'clickhouse', {}],
    ['ClickHouse dedup-token', 'clickhouse', { strategy: 'dedup-token', targetSettings: 'non_replicated_deduplication_window = 1000' }],
    ['ClickHouse replace-partition (hourly partitions)', 'clickhouse', { strategy: 'replace-partition', targetPartition: 'toStartOfHour(ts)' }],
    ['PostgreSQL delete', 'postgres', {}],
  ];
  it.each(cases)('%s', async (_name, engine, o) => {
    const t = await target(engine, o);
    try {
      const first = await t.run('whole', [0, HOURS], GROUPED); // groups [0] [1–4] [5–20] [21–23]
      expect(first).toMatchObject({ succeeded: HOURS, failed: 0, statements: 4 });
      const once = await tableFacts(t.driver, 'dst');
      expect(once).toEqual(await tableFacts(t.driver, 'src', range(engine, 0, HOURS)));

      const regrouped = await t.run('regrouped', [2, 11], GROUPED); // groups [2] [3–6] [7–10]: cut elsewhere
      expect(regrouped).toMatchObject({ succeeded: 9, failed: 0, statements: 3 });
      expect(await tableFacts(t.driver, 'dst')).toEqual(once);

      const alone = await t.run('alone', [5, 6], GROUPED); // hour 5, once inside the 16-window group
      expect(alone).toMatchObject({ succeeded: 1, statements: 1 });
      expect(await tableFacts(t.driver, 'dst')).toEqual(once);
      // And the per-window counts of the re-runs agree with the first run's.
      const byStart = new Map((await recordsOf(t, 'whole')).map((r) => [r.start, r.rows]));
      for (const r of [...(await recordsOf(t, 'regrouped')), ...(await recordsOf(t, 'alone'))]) expect(r.rows).toBe(byStart.get(r.start));
    } finally {
      await t.close();
    }
  });
});

describe('an abandoned group statement is stopped before any of its windows runs again', () => {
  it('PostgreSQL: a dead worker\'s statement over hours 0–2 (labelled by hour 0) is gone before hour 2 re-runs alone', async () => {
    const t = await target('postgres');
    const runId = t.own('abandoned');
    const names = (w: { start: string; attempts: number }) => ({ label: statementLabel(runId, w.start, w.attempts), prefix: windowLabelPrefix(runId, w.start) });
    const abandoned = new pg.Client({ connectionString: t.url! });
    try {
      await planRun(t.driver, t.runs, t.set, { version: 2, from: new Date(FIRST_HOUR), to: new Date(FIRST_HOUR + 4 * HOUR), concurrency: 1, runId });
      const windows = await t.runs.listWindows(runId);
      // The dead worker claimed hours 0–2 as one group and started its statement, named by hour 0.
      for (const w of windows.slice(0, 3)) expect(await t.runs.claimWindow(runId, w.start, 'dead-worker', { leaseMs: 1, allow: ['pending'] })).toMatchObject({ attempts: 1 });
      await abandoned.connect();
      const label = statementLabel(runId, windows[0]!.start, 1);
      const outcome = (async () => {
        await abandoned.query('BEGIN');
        await abandoned.query("SELECT set_config('application_name', $1, true)", [label]);
        try {
          await abandoned.query('INSERT INTO dst SELECT id, ts, v FROM src, (SELECT pg_sleep(60)) AS slow WHERE ts >= $1 AND ts < $2', [windows[0]!.start, windows[2]!.end]);
          await abandoned.query('COMMIT');
          return 'committed';
        } catch (error) {
          await abandoned.query('ROLLBACK').catch(() => undefined);
          return (error as { code?: string }).code ?? 'error';
        }
      })();
      const stillRunning = async () => (await t.driver.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = {l} AND state = 'active'", { l: label }))[0]!.n;
      while ((await stillRunning()) === 0) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 5)); // the 1 ms leases are over

      // Newest first, one window per statement: hour 3, then hour 2 — a re-run whose group does
      // not hold hour 0, whose label the abandoned statement carries.
      const seenBeforeRerun: number[] = [];
      const result = await executeWindows(t.driver, t.runs, t.def, 2, {
        runId, owner: 'next-worker', concurrency: 1, allow: ['pending'], statementLabel: names, statementTargetMs: 0, order: 'newest-first',
        beforeWindow: async (w) => {
          if (w.attempts > 1) seenBeforeRerun.push(await stillRunning());
        },
      });
      expect(result).toMatchObject({ succeeded: 4, failed: 0 });
      expect(seenBeforeRerun).toEqual([0, 0, 0]);
      expect(['57014', '57P01']).toContain(await outcome);
      expect(await tableFacts(t.driver, 'dst')).toEqual(await tableFacts(t.driver, 'src', range('postgres', 0, 4)));
    } finally {
      await abandoned.end().catch(() => undefined);
      await t.close();
    }
  });
});
