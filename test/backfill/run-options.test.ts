// One set of run options: the CLI and the state machine's input accept the same ones, reject a
// bad one with the same one line, and both honour lateness (a cut-over's last window waits for
// cut-over + lateness, on the CLI path and on the state machine path).
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../functions/cli/registry.js';
import { RUN_INPUT_KEYS, parseRunInput } from '../../functions/engine/service/input.js';
import { RUN_OPTIONS, parseRunOptions } from '../../functions/engine/backfill/run-options.js';
import { fixtureWorkspace } from './fixture-migrations.js';
import { cli, cliJson, windowsOf } from './support.js';

// Run-input fields that are not pass options (what to run, not how).
const NOT_OPTIONS = new Set(['action', 'target', 'version', 'from', 'to', 'window', 'runId', 'toleratedFailurePercentage']);
// Local-only: the deployed stack has its own function timeouts; verify is a state-machine step.
const CLI_ONLY = new Set(['functionTimeout']);
const RUN_ONLY = new Set(['verify']);
// A retry keeps the run's order (windows are re-run in the order the run was planned with).
const PLANNED = new Set(['order']);

const optionsOf = (command: string) => new Set((COMMANDS as Record<string, { options?: string[] }>)[command]?.options ?? []);

describe('run options', () => {
  it('the run input, `hourglass run`, backfill and retry accept the same pass options', () => {
    const inputOptions = [...RUN_INPUT_KEYS].filter((k) => !NOT_OPTIONS.has(k)).sort();
    const named = Object.keys(RUN_OPTIONS).filter((k) => !CLI_ONLY.has(k)).sort();
    expect(inputOptions).toEqual(named);
    const run = optionsOf('run');
    for (const [field, flag] of Object.entries(RUN_OPTIONS)) expect(run.has(flag), `run --${flag} (${field})`).toBe(true);
    for (const command of ['backfill', 'retry']) {
      const flags = optionsOf(command);
      for (const [field, flag] of Object.entries(RUN_OPTIONS)) if (!RUN_ONLY.has(field) && !(command === 'retry' && PLANNED.has(field))) expect(flags.has(flag), `${command} --${flag}`).toBe(true);
    }
  });

  it('the same options given as flags and as a run input parse to the same options object', () => {
    const flags = { concurrency: '3', statementTarget: '2s', order: 'newest-first', lateness: '15m', verify: 'warn' };
    const input = { concurrency: 3, statementTarget: '2s', order: 'newest-first', lateness: '15m', verify: 'warn' };
    const fromFlags = parseRunOptions(flags, 'cli');
    expect(fromFlags).toEqual({ concurrency: 3, statementTargetMs: 2000, order: 'newest-first', latenessMs: 900_000, verify: 'warn' });
    expect(parseRunOptions(input, 'input')).toEqual(fromFlags);
    // Through the state machine's input validation too: what it keeps parses the same.
    expect(parseRunOptions(parseRunInput({ action: 'backfill', target: 't', version: 2, ...input }), 'input')).toEqual(fromFlags);
    expect(parseRunOptions({}, 'cli')).toEqual({ latenessMs: 0 });
  });

  it('every option refuses a bad value on both paths, naming it as that path spells it', () => {
    const bad: Record<string, [cli: string, input: unknown]> = {
      concurrency: ['0', 0], statementTarget: ['1h', '1h'], order: ['sideways', 'sideways'], lateness: ['soon', 'soon'], functionTimeout: ['5', '5'], verify: ['off', 'off'],
    };
    expect(Object.keys(bad).sort()).toEqual(Object.keys(RUN_OPTIONS).sort());
    for (const [field, [cliValue, inputValue]] of Object.entries(bad)) {
      const flag = RUN_OPTIONS[field as keyof typeof RUN_OPTIONS];
      expect(() => parseRunOptions({ [field]: cliValue }, 'cli'), field).toThrow(new RegExp(`--${flag}`));
      expect(() => parseRunOptions({ [field]: inputValue }, 'input'), field).toThrow(new RegExp(`"${field}"`));
    }
  });

  it('a bad lateness is one line, the same on both paths', async () => {
    expect(() => parseRunInput({ action: 'backfill', target: 'local', version: 2, lateness: 'soon' })).toThrow(/^"lateness": invalid window size "soon"/);
    expect(() => parseRunInput({ action: 'backfill', target: 'local', version: 2, lateness: 15 })).toThrow('"lateness" must be a window size such as "15m"');
    const ws = fixtureWorkspace('clickhouse', {});
    for (const args of [['backfill', '2', '--lateness', 'soon'], ['retry', 'x', '--lateness', 'soon'], ['run', 'backfill', '--version', '2', '--lateness', 'soon']]) {
      const r = await cli(ws, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/lateness"?: invalid window size "soon"/);
    }
  });

  it('the state machine holds the last window of a cut-over run until cut-over + lateness', async () => {
    const ws = fixtureWorkspace('clickhouse', { cutover: true });
    expect((await cli(ws, ['apply'], { HOURGLASS_NOW: '2024-03-02T10:20:00Z' })).code).toBe(0);
    // Cut-over 11:00. At 11:05 with 15m lateness the window 10:00–11:00 waits; without lateness it would run.
    const held = await cliJson(ws, ['run', 'backfill', '--version', '2', '--lateness', '15m', '--run-id', 'sm-late'], { HOURGLASS_NOW: '2024-03-02T11:05:00Z' });
    expect(held.json, held.stderr).toMatchObject({ run: { windows: { total: 35, succeeded: 34, pending: 1 } } });
    expect((await windowsOf(ws, 'sm-late', 'pending')).map((w) => w.start)).toEqual(['2024-03-02T10:00:00.000Z']);
    // Resumed after the allowance, it runs.
    const done = await cliJson(ws, ['run', 'resume', '--run-id', 'sm-late', '--lateness', '15m'], { HOURGLASS_NOW: '2024-03-02T11:16:00Z' });
    expect(done.json, done.stderr).toMatchObject({ run: { status: 'succeeded', windows: { total: 35, succeeded: 35, pending: 0 } } });
  });
});
