// Two real CLI processes on one --state: while a backfill runs, a second terminal lists runs
// and windows, writes the report, pauses, throttles and unpauses the run. Commands that need
// the embedded database are still refused (one process per chdb directory). Pausing mid-run
// stops new claims; after unpause every window ran exactly once and every row landed once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROWS, fixtureWorkspace } from '../backfill/fixture-migrations.js';
import { cleanupTempDirs, cli, cliJson, facts, spawnCli, windowsOf, type WindowJson } from '../backfill/support.js';

afterAll(() => cleanupTempDirs());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const t0 = Date.now();
const mark = (what: string) => process.env.HOURGLASS_TEST_TRACE && console.error(`${((Date.now() - t0) / 1000).toFixed(1)} s ${what}`);

describe('a second terminal on the state of a running backfill', () => {
  it('reads, reports, pauses, throttles and unpauses it; no window lost or run twice', async () => {
    // 5-minute windows over 60 h of rows: 721 windows, long enough to act on mid-run.
    const ws = fixtureWorkspace('clickhouse', { window: '5m' });
    expect((await cli(ws, ['apply'])).code).toBe(0);
    const runId = 'shared-1';
    let stderr = '';
    // One window per statement (--statement-target 0): the throttle bounds statements, so with
    // hourly statements a running window is a running statement, and the test can count them.
    const { child, exited } = spawnCli(ws, ['backfill', '2', '--concurrency', '2', '--statement-target', '0', '--run-id', runId], (chunk) => (stderr += chunk));

    // Wait (by polling from the second process) until some windows have succeeded.
    let first: WindowJson[] = [];
    for (let i = 0; i < 600 && !first.some((w) => w.status === 'succeeded'); i++) {
      const r = await cli(ws, ['windows', runId, '--json']);
      if (r.code === 0) first = (JSON.parse(r.stdout) as { windows: WindowJson[] }).windows;
      else expect(r.stderr).toMatch(/unknown run/); // before the plan is written
    }
    mark('windows visible');
    expect(child.exitCode, `the backfill ended too early:\n${stderr}`).toBeNull();
    expect(first).toHaveLength(721);

    const runs = await cliJson(ws, ['runs']);
    expect(runs.code).toBe(0);
    expect(runs.json.runs).toEqual([expect.objectContaining({ runId, status: 'running', windows: 721 })]);

    const paused = await cliJson(ws, ['pause', runId]);
    expect(paused.code).toBe(0);
    expect(paused.json.valve).toMatchObject({ paused: true, changedBy: expect.stringMatching(/.@./) });

    mark('paused');
    // Its workers finish their current window and claim no more.
    let settled: WindowJson[] = [];
    for (let i = 0; i < 600; i++) {
      settled = await windowsOf(ws, runId);
      if (!settled.some((w) => w.status === 'running')) break;
      await sleep(200);
    }
    const done = settled.filter((w) => w.status === 'succeeded').length;
    expect(settled.some((w) => w.status === 'running')).toBe(false);
    expect(done).toBeLessThan(721);
    await sleep(2000); // several valve polls: still nothing claimed
    const still = await windowsOf(ws, runId);
    expect(still.filter((w) => w.status === 'succeeded').length).toBe(done);
    expect(still.filter((w) => w.status === 'running')).toEqual([]);
    expect(child.exitCode).toBeNull();
    expect(stderr).toContain(`run ${runId} paused: waiting`);

    // The database itself stays one process's: status (needs chdb) is refused, not hung.
    const status = await cli(ws, ['status']);
    expect(status.code).not.toBe(0);
    expect(status.stderr).toMatch(/^error: [^\n]*in use by another process/m);

    // Throttled below the run's own concurrency (2): from here on one window at a time.
    const throttled = await cliJson(ws, ['throttle', runId, '--concurrency', '1']);
    expect(throttled.json.valve).toMatchObject({ paused: true, concurrency: 1 });
    const out = join(ws.state, '..', 'report.html');
    expect((await cli(ws, ['report', runId, '--out', out])).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<span class="badge" id="paused">paused</span>');
    expect(html).toContain('throttled to 1');
    expect(html).toContain(`<span data-count="succeeded">${done}</span>`);

    expect((await cliJson(ws, ['unpause', runId])).json.valve).toMatchObject({ paused: false, concurrency: 1 });
    mark('unpaused');
    // Sampled from this second terminal until the run ends: never two windows running at once.
    let ended = false;
    void exited.then(() => (ended = true));
    let mostRunning = 0;
    let samples = 0;
    while (!ended) {
      const now = await cliJson<{ windows: WindowJson[] }>(ws, ['windows', runId, '--status', 'running']);
      if (now.code !== 0 && ended) break; // the run's process let go of the state as this one read it
      expect(now.code, now.stderr).toBe(0);
      mostRunning = Math.max(mostRunning, now.json.windows.length);
      samples++;
    }
    expect(samples).toBeGreaterThan(0);
    expect(mostRunning).toBeLessThanOrEqual(1);
    const exit = await exited;
    mark('backfill exited');
    expect(exit.code, stderr).toBe(0);

    const after = await windowsOf(ws, runId);
    expect(after).toHaveLength(721);
    expect(after.filter((w) => w.status !== 'succeeded')).toEqual([]);
    expect(after.filter((w) => w.attempts !== 1)).toEqual([]);
    const [target, source] = [await facts(ws.url, 'dst'), await facts(ws.url, 'src')];
    expect(target.count).toBe(DEFAULT_ROWS);
    expect(target.distinct).toBe(target.count);
    expect(target).toEqual(source);
  }, 600_000);
});
