// A share of windows fails on purpose; `retry` after the fix re-runs exactly those windows.
// Also the JSON shapes of `backfill --json`, `windows --json` and `runs --json`.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROWS, SOURCE_START, derivedHourlyWindows, fixtureWorkspace, type EngineName } from './fixture-migrations.js';
import { HOUR, cli, cliJson, facts, inRanges, iso, runsOf, windowsOf, withTarget, type WindowJson, type Workspace, postgresForFile } from './support.js';

const pg = postgresForFile();

const WINDOWS = derivedHourlyWindows(); // 61
const FIRST_HOUR = Math.floor(SOURCE_START / HOUR) * HOUR;
/** Window starts the control table marks bad: the partial first hour and five others, all holding rows. */
const BAD = [0, 3, 7, 24, 37, 60].map((i) => FIRST_HOUR + i * HOUR);

const WINDOW_KEYS = ['start', 'end', 'status', 'attempts', 'rows', 'sourceRows', 'error'];

function expectWindowShape(w: WindowJson): void {
  for (const key of Object.keys(w)) expect(WINDOW_KEYS).toContain(key);
  expect(w).toEqual(expect.objectContaining({ start: expect.any(String), end: expect.any(String), status: expect.any(String), attempts: expect.any(Number), rows: expect.any(Number) }));
  expect(new Date(w.start).toISOString()).toBe(w.start);
  expect(new Date(w.end).toISOString()).toBe(w.end);
  expect('error' in w).toBe(w.status === 'failed');
}

async function markBad(ws: Workspace, hours: number[]): Promise<void> {
  await withTarget(ws.url, async (d) => {
    for (const h of hours) await d.exec('INSERT INTO ctl (bad_hour) VALUES ({h})', { h: new Date(h) });
  });
}

async function clearBad(ws: Workspace): Promise<void> {
  await withTarget(ws.url, (d) => d.exec('DELETE FROM ctl WHERE true'));
}

async function failThenRetry(engine: EngineName, url: string | undefined, expectedError: RegExp): Promise<void> {
  const ws = fixtureWorkspace(engine, {}, url);
  expect((await cli(ws, ['apply'])).code).toBe(0);
  await markBad(ws, BAD);
  const runId = `fail-${engine}`;
  const badRanges = BAD.map((h): [number, number] => [h, h + HOUR]);
  const good = await facts(ws.url, 'src', `NOT (${inRanges(engine, badRanges)})`);

  const first = await cliJson(ws, ['backfill', '2', '--run-id', runId]);
  expect(first.code).toBe(1);
  expect(first.json).toEqual({ runId, status: 'partial', windows: { total: WINDOWS, succeeded: WINDOWS - BAD.length, failed: BAD.length, pending: 0 }, rows: good.count });

  const failed = await windowsOf(ws, runId, 'failed');
  expect(failed.map((w) => w.start)).toEqual(BAD.map(iso));
  for (const w of failed) {
    expectWindowShape(w);
    expect(w).toMatchObject({ status: 'failed', attempts: 1, rows: 0 });
    expect(w.error).toMatch(expectedError);
  }
  // Failed windows wrote nothing; every other row is there exactly once.
  expect(await facts(ws.url, 'dst')).toEqual(good);

  const listed = await cliJson(ws, ['windows', runId, '--status', 'failed']);
  expect(Object.keys(listed.json)).toEqual(['runId', 'windows']);
  expect(listed.json.runId).toBe(runId);

  const runs = await runsOf(ws);
  expect(Object.keys(runs[0] ?? {}).sort()).toEqual(['counts', 'createdAt', 'rows', 'runId', 'status', 'version', 'windows']);
  expect(runs).toEqual([expect.objectContaining({ runId, status: 'partial', windows: WINDOWS, rows: good.count, counts: { pending: 0, running: 0, succeeded: WINDOWS - BAD.length, failed: BAD.length } })]);

  await clearBad(ws);
  const retried = await cliJson(ws, ['retry', runId]);
  expect(retried.json).toEqual({ runId, status: 'succeeded', windows: { total: WINDOWS, succeeded: WINDOWS, failed: 0, pending: 0 }, rows: DEFAULT_ROWS });
  expect(retried.code).toBe(0);

  const all = await windowsOf(ws, runId);
  expect(all).toHaveLength(WINDOWS);
  for (const w of all) {
    expectWindowShape(w);
    expect(w.status).toBe('succeeded');
    expect(w.rows).toBe(w.sourceRows);
    expect(w.attempts, w.start).toBe(BAD.includes(Date.parse(w.start)) ? 2 : 1);
  }
  const [target, source] = [await facts(ws.url, 'dst'), await facts(ws.url, 'src')];
  expect(target.count).toBe(DEFAULT_ROWS);
  expect(target).toEqual(source);

  // Nothing left to retry: a second retry changes nothing.
  const again = await cliJson(ws, ['retry', runId]);
  expect(again.code).toBe(0);
  expect((await windowsOf(ws, runId)).map((w) => w.attempts)).toEqual(all.map((w) => w.attempts));
  expect(await facts(ws.url, 'dst')).toEqual(source);
}

async function faultHookThenRetry(engine: EngineName, url?: string): Promise<void> {
  const ws = fixtureWorkspace(engine, {}, url);
  expect((await cli(ws, ['apply'])).code).toBe(0);
  const runId = `hook-${engine}`;
  const first = await cliJson(ws, ['backfill', '2', '--fail-windows', '5', '--run-id', runId]);
  expect(first.code).toBe(1);
  const all = await windowsOf(ws, runId);
  const everyFifth = all.filter((w) => (Date.parse(w.start) / HOUR) % 5 === 0).map((w) => w.start);
  expect(everyFifth.length).toBeGreaterThanOrEqual(12);
  expect(all.filter((w) => w.status === 'failed').map((w) => w.start)).toEqual(everyFifth);
  expect(all.filter((w) => w.status === 'failed').every((w) => /injected fault/.test(w.error ?? ''))).toBe(true);
  expect(first.json.windows).toMatchObject({ total: WINDOWS, failed: everyFifth.length, succeeded: WINDOWS - everyFifth.length });

  const retried = await cliJson(ws, ['retry', runId]);
  expect(retried.code).toBe(0);
  expect(retried.json).toMatchObject({ status: 'succeeded', rows: DEFAULT_ROWS });
  const after = await windowsOf(ws, runId);
  expect(after.filter((w) => w.attempts === 2).map((w) => w.start)).toEqual(everyFifth);
  expect(after.every((w) => w.status === 'succeeded')).toBe(true);
  expect(await facts(ws.url, 'dst')).toEqual(await facts(ws.url, 'src'));
}

describe('failed windows, fixed, then retry', () => {
  it('ClickHouse: throwIf on the control table fails exactly those windows; retry re-runs only them', async () => {
    await failThenRetry('clickhouse', undefined, /window marked bad in ctl/);
  });

  it('PostgreSQL: a division by zero fails exactly those windows; retry re-runs only them', async () => {
    await failThenRetry('postgres', await pg.createDatabase('bf_retry'), /division by zero/);
  });

  it('ClickHouse: --fail-windows 5 fails every fifth hour once; retry fixes it', async () => {
    await faultHookThenRetry('clickhouse');
  });

  it('PostgreSQL: --fail-windows 5 fails every fifth hour once; retry fixes it', async () => {
    await faultHookThenRetry('postgres', await pg.createDatabase('bf_hook'));
  });
});
