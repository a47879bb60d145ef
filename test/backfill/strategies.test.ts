// Every strategy is idempotent: running windows again (a new run over the same range, or
// one window after the target was tampered with) leaves exactly the same rows.
// Compared by count, distinct ids and a checksum over every row (see tableFacts).
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROWS, SOURCE_START, derivedHourlyWindows, fixtureWorkspace, type EngineName, type FixtureOptions } from './fixture-migrations.js';
import { HOUR, cli, cliJson, facts, iso, runsOf, timeLiteral, withTarget, type Workspace, postgresForFile } from './support.js';

const pg = postgresForFile();

const FIRST_HOUR = Math.floor(SOURCE_START / HOUR) * HOUR;
/** An hour in the middle of the source (of the smaller one too). */
const TAMPERED = FIRST_HOUR + 12 * HOUR;

async function applied(engine: EngineName, o: FixtureOptions, url?: string): Promise<Workspace> {
  const ws = fixtureWorkspace(engine, o, url);
  const r = await cli(ws, ['apply']);
  expect(r.code, r.stderr).toBe(0);
  return ws;
}

async function backfillOk(ws: Workspace, args: string[], windows: number, rows?: number): Promise<string> {
  const r = await cliJson(ws, ['backfill', '2', ...args]);
  expect(r.json).toMatchObject({ status: 'succeeded', windows: { total: windows, succeeded: windows, failed: 0 }, rows: rows ?? expect.any(Number) });
  expect(r.code).toBe(0);
  expect(Object.keys(r.json).sort()).toEqual(['rows', 'runId', 'status', 'windows']);
  return r.json.runId;
}

/** Deletes some rows of the hour and adds a duplicate of another: a window the re-run must repair. */
async function tamper(ws: Workspace, engine: EngineName): Promise<void> {
  const [a, b] = [timeLiteral(engine, TAMPERED), timeLiteral(engine, TAMPERED + HOUR)];
  await withTarget(ws.url, async (d) => {
    await d.exec(`INSERT INTO dst SELECT id, ts, v FROM dst WHERE ts >= ${a} AND ts < ${b} ORDER BY id LIMIT 1`);
    await d.exec(`DELETE FROM dst WHERE id IN (SELECT id FROM src WHERE ts >= ${a} AND ts < ${b} ORDER BY id DESC LIMIT 5)`);
  });
}

/** Whole backfill, a second whole run with a new run id, then (optionally) one tampered window again. */
async function idempotent(engine: EngineName, o: FixtureOptions, opts: { windows: number; rerunAll: boolean; repairs: boolean; url?: string }): Promise<void> {
  const ws = await applied(engine, o, opts.url);
  const source = await facts(ws.url, 'src');
  const rows = o.rows ?? DEFAULT_ROWS;
  expect(source.count).toBe(rows);
  await backfillOk(ws, [], opts.windows, rows);
  const once = await facts(ws.url, 'dst');
  expect(once).toEqual(source);

  if (opts.rerunAll) {
    await backfillOk(ws, [], opts.windows, rows);
    expect(await facts(ws.url, 'dst')).toEqual(once);
    expect((await runsOf(ws)).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  }

  // One window run twice more, the second time over a target someone tampered with.
  const windowArgs = ['--from', iso(TAMPERED), '--to', iso(TAMPERED + HOUR)];
  if (o.window === '1d') windowArgs.splice(0, 4, '--from', iso(TAMPERED - (TAMPERED % (24 * HOUR))), '--to', iso(TAMPERED - (TAMPERED % (24 * HOUR)) + 24 * HOUR));
  await backfillOk(ws, windowArgs, 1, undefined);
  expect(await facts(ws.url, 'dst')).toEqual(once);
  if (opts.repairs) {
    await tamper(ws, engine);
    expect(await facts(ws.url, 'dst')).not.toEqual(once);
    await backfillOk(ws, windowArgs, 1, undefined);
    expect(await facts(ws.url, 'dst')).toEqual(once);
  }
}

describe('idempotent windows', () => {
  // A ClickHouse DELETE is a mutation (each ~1 s, serialized per table): the full second run
  // is left to the strategies that need none; delete re-runs single windows.
  it('ClickHouse delete: a window run again, also after tampering, leaves the same rows', async () => {
    await idempotent('clickhouse', {}, { windows: derivedHourlyWindows(), rerunAll: false, repairs: true });
  });

  it('ClickHouse dedup-token: a second run over the same range inserts nothing', async () => {
    await idempotent('clickhouse', { strategy: 'dedup-token', targetSettings: 'non_replicated_deduplication_window = 1000' }, { windows: derivedHourlyWindows(), rerunAll: true, repairs: false });
  });

  // Each window builds and drops a staging table (DDL, ~0.25 s on chdb): 24 h of rows, 25 windows.
  it('ClickHouse replace-partition by hour: a second run and a tampered hour end with the same rows', async () => {
    await idempotent('clickhouse', { rows: 1200, strategy: 'replace-partition', targetPartition: 'toStartOfHour(ts)', to: 'SELECT toStartOfHour(max(ts)) + toIntervalHour(1) FROM src' }, { windows: 25, rerunAll: true, repairs: true });
  });

  it('ClickHouse replace-partition by day (1d windows): a second run and a tampered day end with the same rows', async () => {
    await idempotent('clickhouse', { strategy: 'replace-partition', window: '1d', targetPartition: 'toDate(ts)', to: 'SELECT toStartOfDay(max(ts)) + toIntervalDay(1) FROM src' }, { windows: 3, rerunAll: true, repairs: true });
  });

  it('PostgreSQL delete: a second run and a tampered hour end with the same rows', async () => {
    await idempotent('postgres', {}, { windows: derivedHourlyWindows(), rerunAll: true, repairs: true, url: await pg.createDatabase('bf_delete') });
  });
});

describe('strategies that cannot be idempotent here are refused before anything is written', () => {
  async function refused(ws: Workspace, args: string[], message: RegExp): Promise<void> {
    const r = await cli(ws, ['backfill', '2', ...args]);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(2);
    expect(await runsOf(ws)).toEqual([]);
    expect((await facts(ws.url, 'dst')).count).toBe(0);
  }

  it('ClickHouse dedup-token on a MergeTree that does not deduplicate inserts', async () => {
    const ws = await applied('clickhouse', { strategy: 'dedup-token' });
    await refused(ws, [], /dedup-token.*non_replicated_deduplication_window/);
  });

  it('ClickHouse replace-partition with windows that are not whole partitions', async () => {
    const byDay = await applied('clickhouse', { strategy: 'replace-partition', targetPartition: 'toDate(ts)', to: 'SELECT toStartOfDay(max(ts)) + toIntervalDay(1) FROM src' });
    await refused(byDay, [], /exactly one partition/);
    const byHour = await applied('clickhouse', { strategy: 'replace-partition', targetPartition: 'toStartOfHour(ts)' });
    // The derived end (max + 1 ms) and an explicit --from inside an hour cut a partition short.
    await refused(byHour, [], /replace-partition.*grid/);
    await refused(byHour, ['--from', '2024-03-01T05:30:00Z', '--to', '2024-03-01T09:00:00Z'], /replace-partition.*grid/);
  });

  it('PostgreSQL dedup-token and replace-partition', async () => {
    const url = await pg.createDatabase('bf_refused');
    await refused(await applied('postgres', { strategy: 'dedup-token' }, url), [], /dedup-token is for ClickHouse only/);
    await withTarget(url, (d) => d.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public'));
    await refused(await applied('postgres', { strategy: 'replace-partition' }, url), [], /replace-partition is for ClickHouse only/);
  });
});
