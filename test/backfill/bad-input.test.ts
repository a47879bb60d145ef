// Bad input to the backfill commands: exit 2, one clear line, and nothing written — no run
// in the state store, the target untouched — checked after each case, so each stands alone.
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_WINDOWS } from '../../functions/engine/backfill/windows.js';
import { fixtureWorkspace, type EngineName } from './fixture-migrations.js';
import { join } from 'node:path';
import { openStateStore } from '../../functions/cli/state.js';
import { cli, facts, tempDir, type Workspace, postgresForFile } from './support.js';

const pg = postgresForFile();

// 100k hourly windows is 11.4 years; these ranges are just beyond the cap.
const ABSURD = ['--from', '2000-01-01T00:00:00Z', '--to', '2011-06-01T00:00:00Z'];
const ABSURD_MINUTES = ['--window', '1m', '--from', '2024-01-01T00:00:00Z', '--to', '2024-03-11T00:00:00Z'];

const CASES: Array<[string, string[], RegExp]> = [
  ['--from after --to', ['backfill', '2', '--from', '2024-03-02T00:00:00Z', '--to', '2024-03-01T00:00:00Z'], /--from 2024-03-02T00:00:00.000Z is not before --to/],
  ['--from equal to --to', ['backfill', '2', '--from', '2024-03-02T00:00:00Z', '--to', '2024-03-02T00:00:00Z'], /is not before/],
  ['an unparseable --from', ['backfill', '2', '--from', 'yesterday'], /--from: invalid time "yesterday"/],
  ['an impossible --to', ['backfill', '2', '--to', '2024-13-45T00:00:00Z'], /--to: invalid time/],
  ['a --from that is not UTC', ['backfill', '2', '--from', '2024-03-01T00:00:00+02:00'], /--from: invalid time/],
  ['an unknown version', ['backfill', '9'], /unknown version 9/],
  ['a version that is not a number', ['backfill', 'three'], /invalid version "three"/],
  ['a version without backfill', ['backfill', '1'], /migration 1 \(source\) has no backfill/],
  [`a range beyond the cap of ${MAX_WINDOWS} windows`, ['backfill', '2', ...ABSURD], new RegExp(`more than the cap of ${MAX_WINDOWS} per run`)],
  ['a minute-window range beyond the cap', ['backfill', '2', ...ABSURD_MINUTES], /more than the cap/],
  ['window 0m', ['backfill', '2', '--window', '0m'], /invalid window size "0m": at least 1m/],
  ['window 90s', ['backfill', '2', '--window', '90s'], /invalid window size "90s"/],
  ['window 32d', ['backfill', '2', '--window', '32d'], /at most 31d/],
  ['concurrency 0', ['backfill', '2', '--concurrency', '0'], /invalid --concurrency 0/],
  ['concurrency -1', ['backfill', '2', '--concurrency=-1'], /invalid --concurrency -1/],
  ['concurrency huge', ['backfill', '2', '--concurrency', '100000'], /invalid --concurrency 100000: expected 1…64/],
  ['concurrency not a number', ['backfill', '2', '--concurrency', 'lots'], /invalid --concurrency "lots"/],
  ['lateness invalid', ['backfill', '2', '--lateness', 'soon'], /invalid window size "soon"/],
  ['--fail-windows 0', ['backfill', '2', '--fail-windows', '0'], /invalid --fail-windows 0/],
  ['--function-timeout without a unit', ['backfill', '2', '--function-timeout', '5'], /invalid --function-timeout "5"/],
  ['--function-timeout too short', ['backfill', '2', '--function-timeout', '10ms'], /invalid --function-timeout "10ms": expected 100ms … 15m/],
  ['run --function-timeout too long', ['run', 'backfill', '--version', '2', '--function-timeout', '20m'], /invalid --function-timeout "20m"/],
  ['an invalid run id', ['backfill', '2', '--run-id', 'no spaces allowed'], /run id/i],
  ['an unknown option', ['backfill', '2', '--frm', '2024-03-01T00:00:00Z'], /--frm/],
  ['--resume of an unknown run', ['backfill', '--resume', 'nope'], /unknown run "nope"/],
  ['--resume with a version', ['backfill', '2', '--resume', 'nope'], /takes no version/],
  ['retry of an unknown run', ['retry', 'nope'], /unknown run "nope"/],
  ['windows of an unknown run', ['windows', 'nope'], /unknown run "nope"/],
  ['plan with from after to', ['plan', '2', '--from', '2024-03-02T00:00:00Z', '--to', '2024-03-01T00:00:00Z'], /is not before/],
];

async function expectRefused(ws: Workspace, args: string[], message: RegExp): Promise<void> {
  const r = await cli(ws, args);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(/^error: [^\n]+\n$/); // exactly one line
  expect(r.stdout).toBe('');
  expect(r.code).toBe(2);
}

/** Nothing written: no run in the state store, the target table empty. Read in this process, after the CLI has exited. */
async function expectNothingWritten(ws: Workspace): Promise<void> {
  const state = await openStateStore(ws.state);
  try {
    expect((await state.runs.listRuns()).map((r) => r.runId)).toEqual([]);
  } finally {
    await state.close();
  }
  expect((await facts(ws.url, 'dst')).count).toBe(0);
}

/** Engine-specific paths (range resolution, version lookup against the target); the rest is parsing, same for both. */
const POSTGRES_CASES = new Set(['--from after --to', 'an unknown version', 'a version without backfill', `a range beyond the cap of ${MAX_WINDOWS} windows`, 'window 0m', 'concurrency 0', '--fail-windows 0', 'plan with from after to']);

describe.each([['clickhouse'], ['postgres']] as Array<[EngineName]>)('%s', (engine) => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = fixtureWorkspace(engine, {}, engine === 'postgres' ? await pg.createDatabase('bf_bad_input') : undefined);
    expect((await cli(ws, ['apply'])).code).toBe(0);
  });

  // Every backfill case carries its own run id, so a run left behind names the case that wrote it.
  const cases = CASES.filter(([name]) => engine === 'clickhouse' || POSTGRES_CASES.has(name))
    .map(([name, args, message], i): [string, string[], RegExp] => [name, args[0] === 'backfill' && !args.includes('--run-id') && !args.includes('--resume') ? [...args, '--run-id', `case-${i}`] : args, message]);

  it.each(cases)('%s → exit 2, one line, nothing written', async (_name, args, message) => {
    await expectRefused(ws, args, message);
    await expectNothingWritten(ws);
  });

  it('a bad --status for windows is refused', async () => {
    // Needs a real run to get past the run lookup; planned over an empty range of the source,
    // in a state dir of its own so the cases above still find none.
    const own: Workspace = { ...ws, state: join(tempDir('bf-status'), 'state') };
    const ok = await cli(own, ['backfill', '2', '--from', '2020-01-01T00:00:00Z', '--to', '2020-01-01T02:00:00Z', '--run-id', 'empty', '--json']);
    expect(ok.code).toBe(0);
    await expectRefused(own, ['windows', 'empty', '--status', 'done'], /invalid --status "done"/);
  });
});
