// SIGKILL `hourglass run backfill` (the state machine, run locally) in the middle of its Map,
// then `hourglass run resume`: every window ends succeeded, every source row lands once, and
// the windows the dead process held are taken back at once (their leases still had an hour
// to run), not after their leases expire.
import { hostname } from 'node:os';
import { expect, it } from 'vitest';
import { openStateStore } from '../../functions/cli/state.js';
import { DEFAULT_ROWS, fixtureWorkspace } from './fixture-migrations.js';
import { cliJson, facts, spawnCli, windowsOf } from './support.js';

const PROGRESS = /windows (\d+)\/(\d+) ·/g;

it('a killed local run, then run resume: exact counts, no duplicates, dead leases taken back at once', async () => {
  // 15-minute windows over 60 h of rows: 241 windows, enough to be killed in the middle of the Map.
  const ws = fixtureWorkspace('clickhouse', { window: '15m' });
  const runId = 'sfn-kill';
  let stderr = '';
  let killed = false;
  // One window per statement (`--statement-target 0`): grouped statements finish 241 windows
  // between two progress lines, and the kill must land inside the Map.
  const { child, exited } = spawnCli(ws, ['run', 'backfill', '--version', '2', '--concurrency', '2', '--statement-target', '0', '--run-id', runId], (chunk) => {
    stderr += chunk;
    const last = [...stderr.matchAll(PROGRESS)].at(-1);
    // The run prints its window progress every second: kill at the first line past zero.
    if (!killed && last && Number(last[1]) > 0 && Number(last[1]) < Number(last[2])) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  const exit = await exited;
  expect(exit.signal, `the run ended before it could be killed:\n${stderr}`).toBe('SIGKILL');

  // The dead process's leases: on its pid and host. Give them an hour more (as a long lease
  // would have), so only the dead-holder check can free them before the resume. The kill may
  // land between two windows, so one more window is claimed as that process would have
  // claimed it (its pid and host, an hour's lease): at least one lease is always in question.
  const state = await openStateStore(ws.state);
  let held: string[];
  try {
    const dead = { pid: child.pid!, host: hostname() };
    const pending = await state.runs.listWindows(runId, { status: 'pending' });
    expect(pending.length).toBeGreaterThan(0);
    expect(await state.runs.claimWindow(runId, pending[0]!.start, 'killed-run-worker', { leaseMs: 3_600_000, allow: ['pending'], holder: dead })).not.toBeNull();
    const running = await state.runs.listWindows(runId, { status: 'running' });
    for (const w of running) {
      expect(w).toMatchObject({ leasePid: dead.pid, leaseHost: dead.host });
      expect(await state.runs.renewWindowLease(runId, w.start, w.leaseOwner!, 3_600_000)).toBe(true);
    }
    held = running.map((w) => w.start);
    expect(held).toContain(pending[0]!.start);
  } finally {
    await state.close();
  }
  const before = await windowsOf(ws, runId);
  expect(before.length).toBe(241);
  const doneBefore = before.filter((w) => w.status === 'succeeded');
  expect(doneBefore.length).toBeLessThan(241);
  expect(before.filter((w) => w.status === 'failed')).toEqual([]);

  const resumed = await cliJson(ws, ['run', 'resume', '--run-id', runId]);
  expect(resumed.json, resumed.stderr).toMatchObject({
    status: 'SUCCEEDED',
    run: { status: 'succeeded', runId, windows: { total: 241, succeeded: 241, failed: 0, pending: 0 }, rows: DEFAULT_ROWS },
  });
  expect(resumed.json.statesEntered).toEqual(expect.arrayContaining(['Plan', 'BackfillWindows', 'RunWindowBatch', 'Verify', 'Finalize', 'RunSucceeded']));
  expect(resumed.json.statesEntered).not.toContain('Apply');
  expect(resumed.code).toBe(0);

  const [target, source] = [await facts(ws.url, 'dst'), await facts(ws.url, 'src')];
  expect(target.count).toBe(DEFAULT_ROWS);
  expect(target.distinct).toBe(target.count);
  expect(target).toEqual(source);

  const after = new Map((await windowsOf(ws, runId)).map((w) => [w.start, w]));
  expect([...after.values()].every((w) => w.status === 'succeeded' && w.rows === w.sourceRows)).toBe(true);
  // Finished before the kill: not run again. In flight at the kill: run once more.
  for (const w of doneBefore) expect(after.get(w.start)?.attempts).toBe(1);
  for (const start of held) expect(after.get(start)?.attempts).toBe(2);

  // Nothing left: a second resume runs no window and changes nothing.
  const again = await cliJson(ws, ['run', 'resume', '--run-id', runId]);
  expect(again.json).toMatchObject({ status: 'SUCCEEDED', run: { windows: { total: 241, succeeded: 241 }, rows: DEFAULT_ROWS } });
  expect(again.json.statesEntered).not.toContain('RunWindowBatch');
  expect(await facts(ws.url, 'dst')).toEqual(source);
});
