// --order newest-first: recent hours run first (and the run remembers it for resume/retry).
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROWS, fixtureWorkspace } from '../backfill/fixture-migrations.js';
import { cleanupTempDirs, cli, cliJson, facts } from '../backfill/support.js';
import { openStateStore } from '../../functions/cli/state.js';
import { parseRunInput } from '../../functions/engine/service/input.js';

afterAll(() => cleanupTempDirs());

describe('backfill --order newest-first', () => {
  it('claims windows from the end of the range; every row lands once', async () => {
    const ws = fixtureWorkspace('clickhouse');
    expect((await cli(ws, ['apply'])).code).toBe(0);
    const bad = await cli(ws, ['backfill', '2', '--order', 'sideways']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: invalid --order "sideways": expected oldest-first or newest-first\n');

    const r = await cliJson(ws, ['backfill', '2', '--order', 'newest-first', '--concurrency', '1', '--run-id', 'newest']);
    expect(r.json).toMatchObject({ status: 'succeeded', rows: DEFAULT_ROWS });
    const state = await openStateStore(ws.state);
    const windows = await state.runs.listWindows('newest').finally(() => state.close());
    expect(windows.length).toBeGreaterThan(10);
    expect(windows.every((w) => w.status === 'succeeded' && w.attempts === 1)).toBe(true);
    // One worker: each window finished no earlier than the window after it (by start) did.
    const finished = windows.map((w) => Date.parse(w.updatedAt));
    expect(finished.every((t) => Number.isFinite(t))).toBe(true);
    for (let i = 1; i < windows.length; i++) expect(finished[i - 1]!, `${windows[i - 1]!.start} finished before ${windows[i]!.start}`).toBeGreaterThanOrEqual(finished[i]!);
    const [target, source] = [await facts(ws.url, 'dst'), await facts(ws.url, 'src')];
    expect(target).toEqual(source);
  });

  it('is part of the run input: newest-first or oldest-first, nothing else', () => {
    expect(parseRunInput({ action: 'backfill', target: 't', version: 2, order: 'newest-first' }).order).toBe('newest-first');
    expect(() => parseRunInput({ action: 'backfill', target: 't', version: 2, order: 'random' })).toThrow('"order" must be "oldest-first" or "newest-first"');
  });
});

describe('--statement-target', () => {
  it('is kept on the run (so every batch and a resume use it) and 0 runs one window per statement', async () => {
    const ws = fixtureWorkspace('clickhouse');
    expect((await cli(ws, ['apply'])).code).toBe(0);
    const r = await cliJson(ws, ['backfill', '2', '--statement-target', '0', '--concurrency', '1', '--run-id', 'hourly']);
    expect(r.json).toMatchObject({ status: 'succeeded', rows: DEFAULT_ROWS });
    const state = await openStateStore(ws.state);
    const run = await state.runs.getRun('hourly').finally(() => state.close());
    expect(run?.statementTargetMs).toBe(0);
    expect(await facts(ws.url, 'dst')).toEqual(await facts(ws.url, 'src'));
  });

  it('goes through the state machine: run input → the run record Plan writes → every window batch', async () => {
    const ws = fixtureWorkspace('clickhouse');
    const r = await cli(ws, ['run', 'backfill', '--version', '2', '--run-id', 'sm', '--statement-target', '2s']);
    expect(r.code, r.stderr).toBe(0);
    const state = await openStateStore(ws.state);
    const run = await state.runs.getRun('sm').finally(() => state.close());
    expect(run).toMatchObject({ statementTargetMs: 2000, status: 'succeeded' });
    expect(await facts(ws.url, 'dst')).toEqual(await facts(ws.url, 'src'));
  });

  it('is part of the run input: a duration string, or "0"', () => {
    expect(parseRunInput({ action: 'backfill', target: 't', version: 2, statementTarget: '5s' }).statementTarget).toBe('5s');
    expect(parseRunInput({ action: 'backfill', target: 't', version: 2, statementTarget: '0' }).statementTarget).toBe('0');
    expect(() => parseRunInput({ action: 'backfill', target: 't', version: 2, statementTarget: 5 })).toThrow('"statementTarget" must be a duration string');
  });
});
