// `hourglass cancel <runId>` ends a backfill cleanly (real CLI processes on one --state, chdb):
// a live run stops claiming, finishes what it holds and ends `cancelled` with the rest pending
// and its run lease given back; a run whose process was SIGKILLed gets its running windows back
// to pending and its lease released by cancel itself. Either way `backfill --resume` lifts the
// cancel and finishes the run with every source row copied exactly once.
import { afterAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../../functions/cli/state.js';
import { RunLeases } from '../../functions/engine/state/run-lease.js';
import { fixtureWorkspace } from '../backfill/fixture-migrations.js';
import { cleanupTempDirs, cli, cliJson, facts, spawnCli, type Workspace } from '../backfill/support.js';

afterAll(() => cleanupTempDirs());

async function leaseHolder(ws: Workspace, version: number): Promise<string | null> {
  const state = await openStateStore(ws.state);
  try {
    return (await new RunLeases(state.runs.doc, state.runs.tableName).holder('local', version))?.runId ?? null;
  } finally {
    await state.close();
  }
}

async function expectResumedToTheEnd(ws: Workspace, runId: string): Promise<void> {
  const resumed = await cli(ws, ['backfill', '--resume', runId]);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stderr).toContain(`run ${runId} was cancelled: lifting the cancel`);
  expect(resumed.stdout).toMatch(new RegExp(`^run ${runId} succeeded: 721/721 windows succeeded, 0 failed, 0 pending`));
  const [run] = (await cliJson(ws, ['runs'])).json.runs as { runId: string; status: string; counts: Record<string, number> }[];
  expect(run).toMatchObject({ runId, status: 'succeeded', counts: { succeeded: 721, failed: 0, pending: 0, running: 0 } });
  const [src, dst] = [await facts(ws.url, 'src'), await facts(ws.url, 'dst')];
  expect(dst).toEqual(src); // nothing lost, nothing written twice
}

describe('hourglass cancel', () => {
  it('a live run stops after its current windows: cancelled, the rest pending, lease released; resume finishes it', async () => {
    const ws = fixtureWorkspace('clickhouse', { window: '5m' });
    expect((await cli(ws, ['apply'])).code).toBe(0);
    let stderr = '';
    const { child, exited } = spawnCli(ws, ['backfill', '2', '--run-id', 'live', '--concurrency', '1', '--statement-target', '0'], (chunk) => (stderr += chunk));
    for (let i = 0; i < 600; i++) {
      const runs = await cliJson(ws, ['runs']);
      if ((runs.json.runs as { runId: string }[] | undefined)?.some((r) => r.runId === 'live')) break;
    }
    // Paused first, so the run cannot finish on its own before the cancel lands (no timing involved).
    expect((await cliJson(ws, ['pause', 'live'])).code).toBe(0);
    expect(child.exitCode, `the backfill ended too early:\n${stderr}`).toBeNull();

    const cancelled = await cliJson(ws, ['cancel', 'live']);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.json).toMatchObject({ runId: 'live', status: 'cancelled', leaseHeld: true });
    const ended = await exited;
    expect(ended.code, stderr).toBe(1); // not succeeded: windows are left
    expect(stderr).not.toMatch(/error/i);

    const [run] = (await cliJson(ws, ['runs'])).json.runs as { runId: string; status: string; counts: Record<string, number> }[];
    expect(run).toMatchObject({ runId: 'live', status: 'cancelled' });
    expect(run!.counts.running).toBe(0);
    expect(run!.counts.pending).toBeGreaterThan(0);
    expect(run!.counts.succeeded + run!.counts.pending).toBe(721);
    expect(await leaseHolder(ws, 2)).toBeNull();

    // Cancelling again is bad input: one line, exit 2, and it says how to go on.
    const again = await cli(ws, ['cancel', 'live']);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('error: run live is already cancelled: continue it with hourglass backfill --resume live\n');

    expect((await cliJson(ws, ['unpause', 'live'])).code).toBe(0);
    await expectResumedToTheEnd(ws, 'live');
  }, 600_000); // a limit for a hang, not a measure of speed

  it('a run whose process was killed: cancel puts its running windows back to pending and releases its lease', async () => {
    const ws = fixtureWorkspace('clickhouse', { window: '5m' });
    expect((await cli(ws, ['apply'])).code).toBe(0);
    let stderr = '';
    let killed = false;
    const { child, exited } = spawnCli(ws, ['backfill', '2', '--run-id', 'dead', '--concurrency', '2', '--statement-target', '0'], (chunk) => {
      stderr += chunk;
      // The first progress line (10 % of the windows): kill it mid-run, windows still held.
      if (!killed && /\d+\/\d+ windows ·/.test(stderr)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    expect((await exited).signal, stderr).toBe('SIGKILL');
    expect(await leaseHolder(ws, 2)).toBe('dead'); // the killed process still "holds" it

    const cancelled = await cliJson(ws, ['cancel', 'dead']);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.json).toMatchObject({ runId: 'dead', status: 'cancelled', leaseReleased: true, leaseHeld: false, windows: { running: 0 } });
    expect(await leaseHolder(ws, 2)).toBeNull();
    const windows = (await cliJson(ws, ['windows', 'dead'])).json.windows as { status: string }[];
    expect(windows.filter((w) => w.status === 'running')).toEqual([]);
    expect(windows.filter((w) => w.status === 'pending').length).toBeGreaterThan(0);

    await expectResumedToTheEnd(ws, 'dead');
  }, 600_000);

  it('refuses an unknown run and a run that has ended: one line, exit 2, the run unchanged', async () => {
    const ws = fixtureWorkspace('clickhouse', { rows: 200 });
    expect((await cli(ws, ['apply'])).code).toBe(0);
    expect((await cli(ws, ['backfill', '2', '--run-id', 'done'])).code).toBe(0);
    const unknown = await cli(ws, ['cancel', 'nope']);
    expect([unknown.code, unknown.stderr, unknown.stdout]).toEqual([2, 'error: unknown run "nope"\n', '']);
    const ended = await cli(ws, ['cancel', 'done']);
    expect([ended.code, ended.stderr, ended.stdout]).toEqual([2, 'error: run done has ended (succeeded): nothing to cancel\n', '']);
    const [run] = (await cliJson(ws, ['runs'])).json.runs as { status: string }[];
    expect(run!.status).toBe('succeeded');
  }, 300_000);
});
