// SIGKILL a running backfill, then `backfill --resume`: every source row lands exactly once.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROWS, fixtureWorkspace, type EngineName } from './fixture-migrations.js';
import { openStateStore } from '../../functions/cli/state.js';
import { cli, cliJson, facts, inRanges, spawnCli, windowsOf, postgresForFile } from './support.js';

const pg = postgresForFile();

const PROGRESS = /(\d+)\/(\d+) windows ·/g;

async function killMidwayThenResume(engine: EngineName, url?: string): Promise<void> {
  // 15-minute windows over 60 h of rows: 241 windows, enough to be killed in the middle.
  const ws = fixtureWorkspace(engine, { window: '15m' }, url);
  expect((await cli(ws, ['apply'])).code).toBe(0);
  const runId = `kill-${engine}`;

  let stderr = '';
  let killedAt: number | undefined;
  // One window per statement (`--statement-target 0`), so the kill lands between statements
  // of a run that is still going, not after grouped statements have finished it.
  const { child, exited } = spawnCli(ws, ['backfill', '2', '--concurrency', '2', '--statement-target', '0', '--run-id', runId], (chunk) => {
    stderr += chunk;
    const last = [...stderr.matchAll(PROGRESS)].at(-1);
    // The progress bar (on a pipe) prints a line every 10%: kill once 20% are done.
    if (killedAt === undefined && last && Number(last[1]) >= Number(last[2]) * 0.2) {
      killedAt = Number(last[1]);
      child.kill('SIGKILL');
    }
  });
  const exit = await exited;
  expect(exit.signal, `the backfill ended before it could be killed:\n${stderr}`).toBe('SIGKILL');

  const before = await windowsOf(ws, runId);
  const succeededBefore = before.filter((w) => w.status === 'succeeded');
  expect(before.length).toBe(241);
  expect(before.filter((w) => w.status === 'failed')).toEqual([]);
  expect(succeededBefore.length).toBeGreaterThanOrEqual(killedAt!);
  expect(succeededBefore.length).toBeLessThan(before.length);
  const partial = await facts(ws.url, 'dst');
  expect(partial.count).toBeLessThan(DEFAULT_ROWS);

  const resumed = await cliJson(ws, ['backfill', '--resume', runId]);
  expect(resumed.stderr).toBe('');
  expect(resumed.json).toMatchObject({ runId, status: 'succeeded', windows: { total: 241, succeeded: 241, failed: 0 }, rows: DEFAULT_ROWS });
  expect(resumed.code).toBe(0);

  const [target, source] = [await facts(ws.url, 'dst'), await facts(ws.url, 'src')];
  expect(target.count).toBe(DEFAULT_ROWS);
  expect(target.distinct).toBe(target.count);
  expect(target).toEqual(source);

  const after = await windowsOf(ws, runId);
  expect(after.every((w) => w.status === 'succeeded' && w.rows === w.sourceRows)).toBe(true);
  // Windows finished before the kill were not run again; those in flight ran once more.
  const byStart = new Map(after.map((w) => [w.start, w]));
  for (const w of succeededBefore) expect(byStart.get(w.start)?.attempts).toBe(1);
  for (const w of before.filter((x) => x.status === 'running')) expect(byStart.get(w.start)?.attempts).toBe(2);
}

describe('SIGKILL in the middle of a backfill, then --resume', () => {
  it('ClickHouse: the final target equals the source, no duplicates', async () => {
    await killMidwayThenResume('clickhouse');
  });

  it('PostgreSQL: the final target equals the source, no duplicates', async () => {
    await killMidwayThenResume('postgres', await pg.createDatabase('bf_kill'));
  });
});

it('--resume takes back at once a window a dead process left running, and leaves failed windows to retry', async () => {
  const ws = fixtureWorkspace('postgres', {}, await pg.createDatabase('bf_orphan'));
  expect((await cli(ws, ['apply'])).code).toBe(0);
  const range = ['--from', '2024-03-01T03:00:00Z', '--to', '2024-03-01T06:00:00Z'];
  // --fail-windows 1: every window fails its first attempt.
  expect((await cliJson(ws, ['backfill', '2', ...range, '--fail-windows', '1', '--run-id', 'orphan'])).json).toMatchObject({ status: 'failed', windows: { failed: 3 } });
  // A worker claims one window with a long lease and dies (its process is gone; the state is on disk).
  const state = await openStateStore(ws.state);
  try {
    expect(await state.runs.claimWindow('orphan', '2024-03-01T04:00:00.000Z', 'cli-dead-process', { leaseMs: 3_600_000, allow: ['failed'] })).not.toBeNull();
  } finally {
    await state.close();
  }

  const resumed = await cliJson(ws, ['backfill', '--resume', 'orphan']);
  expect(resumed.json).toMatchObject({ status: 'partial', windows: { total: 3, succeeded: 1, failed: 2 } });
  expect(resumed.code).toBe(1);
  expect((await windowsOf(ws, 'orphan')).map((w) => [w.start.slice(11, 13), w.status, w.attempts])).toEqual([['03', 'failed', 1], ['04', 'succeeded', 3], ['05', 'failed', 1]]);
  const hour4 = inRanges('postgres', [[Date.parse('2024-03-01T04:00:00Z'), Date.parse('2024-03-01T05:00:00Z')]]);
  expect(await facts(ws.url, 'dst')).toEqual(await facts(ws.url, 'src', hour4));
});
