// One run per target and version, from the command line: while a backfill holds the run lease
// (real CLI processes on one --state, PostgreSQL so several processes reach the target), a
// second `backfill` and a `run backfill` are refused at once with exit 1 and the holder's run
// id; once the first has ended, the same backfill runs.
import { describe, expect, it } from 'vitest';
import { fixtureWorkspace } from '../backfill/fixture-migrations.js';
import { cli, cliJson, postgresForFile, spawnCli } from '../backfill/support.js';

const pg = postgresForFile();
const t0 = Date.now();
const mark = (what: string) => process.env.HOURGLASS_TEST_TRACE && console.error(`${((Date.now() - t0) / 1000).toFixed(1)} s ${what}`);

describe('a second backfill of the same target and version', () => {
  it('is refused (exit 1, the holder named) while the first holds the lease, and runs after it ended', async () => {
    // 5-minute windows over 60 h of rows: 721 windows, long enough to act on mid-run.
    const ws = fixtureWorkspace('postgres', { window: '5m' }, await pg.createDatabase('run_lease_cli'));
    expect((await cli(ws, ['apply'])).code).toBe(0);
    let stderr = '';
    const { child, exited } = spawnCli(ws, ['backfill', '2', '--run-id', 'first', '--concurrency', '1'], (chunk) => (stderr += chunk));
    for (let i = 0; i < 600; i++) {
      const runs = await cliJson(ws, ['runs']);
      if ((runs.json.runs as { runId: string }[] | undefined)?.some((r) => r.runId === 'first')) break;
    }
    mark('first run visible');
    // Paused, it claims no more windows but still holds the run lease.
    expect((await cliJson(ws, ['pause', 'first'])).code).toBe(0);
    expect(child.exitCode, `the first backfill ended too early:\n${stderr}`).toBeNull();

    const second = await cli(ws, ['backfill', '2']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^error: a backfill of migration 2 on target local is already running as run first \(lease until [^)]+\): wait for it to end, or resume that run$/m);

    mark('second refused');
    const viaStateMachine = await cli(ws, ['run', 'backfill', '--version', '2']);
    expect(viaStateMachine.code).toBe(1);
    expect(viaStateMachine.stdout).toMatch(/failed: RunLeaseHeldError: a backfill of migration 2 on target local is already running as run first /);

    const runs = (await cliJson(ws, ['runs'])).json.runs as { runId: string }[];
    expect(runs.map((r) => r.runId)).toEqual(['first']); // the refused ones recorded nothing

    mark('run refused');
    expect((await cliJson(ws, ['unpause', 'first'])).code).toBe(0);
    expect((await exited).code, stderr).toBe(0);

    mark('first ended');
    const after = await cliJson(ws, ['backfill', '2']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.json).toMatchObject({ status: 'succeeded', windows: { total: 721, failed: 0 } });
  }, 900_000); // five CLI processes and two backfills of 721 windows: a limit for a hang, not a measure of speed
});
