// The CLI helps: every command answers --help with its arguments and an example, --version
// prints the package version, a closed pipe (`| head`) ends the process quietly, and the
// listings go through a pager only on a terminal.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../../functions/cli/state.js';
import { COMMANDS, GLOBAL_OPTIONS } from '../../functions/cli/registry.js';
import { planWindows } from '../../functions/engine/backfill/windows.js';
import { BIN, hourglass } from '../corpus/cli.js';

const HOUR = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), 'hourglass-cli-help-'));
const state = join(dir, 'state');
const RUN = 'help-run-1';
const GLOBAL_FLAGS = Object.values(GLOBAL_OPTIONS).map((o) => o.flags.split(' ')[0]!);

beforeAll(async () => {
  const store = await openStateStore(state);
  try {
    const from = new Date('2024-01-01T00:00:00Z');
    const to = new Date(from.getTime() + 2000 * HOUR);
    await store.runs.createRun({ runId: RUN, migrationVersion: 2, migrationName: 'fixture', target: 'chdb:x', engine: 'clickhouse', rangeStart: from, rangeEnd: to, windowSize: '1h', windowCount: 2000, batchSize: 50, concurrency: 2, strategy: 'insert' });
    await store.runs.putWindows(RUN, planWindows(from, to, HOUR, 50));
  } finally {
    await store.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('per-command help', () => {
  it.each(Object.keys(COMMANDS))('%s --help shows its usage, options and an example', async (name) => {
    const r = await hourglass([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`Usage: hourglass ${name}`);
    for (const arg of COMMANDS[name]!.args ?? []) expect(r.stdout).toContain(arg);
    for (const option of COMMANDS[name]!.options ?? []) expect(r.stdout).toContain(`--${option}`);
    // The global options are described once, on the top-level help; here one line names them.
    for (const spec of Object.values(GLOBAL_OPTIONS)) expect(r.stdout).not.toMatch(new RegExp(`^\\s+${spec.flags}`, 'm'));
    expect(r.stdout.match(/^Global options.*$/gm)).toEqual([`Global options, before or after the command (hourglass --help): ${GLOBAL_FLAGS.join(' ')}`]);
    expect(r.stdout).toContain(`Example:\n  ${COMMANDS[name]!.example.split('\n')[0]}`);
  });

  it('help <command> is the same page as <command> --help', async () => {
    const [a, b] = await Promise.all([hourglass(['help', 'backfill']), hourglass(['backfill', '--help'])]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('the top-level help lists every command', async () => {
    const r = await hourglass(['--help']);
    expect(r.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('the top-level help describes the global options once, in the registry\'s order', async () => {
    const r = await hourglass(['--help']);
    const block = r.stdout.slice(r.stdout.indexOf('Global options'), r.stdout.indexOf('Commands:'));
    const described = [...block.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]);
    expect(described).toEqual(GLOBAL_FLAGS);
    for (const flag of GLOBAL_FLAGS) expect(r.stdout.split(`  ${flag} `)).toHaveLength(2);
  });
});

/** The help line of one option on one command's page (commander wraps long lines: joined again). */
async function optionHelp(command: string, flag: string): Promise<string> {
  const r = await hourglass([command, '--help']);
  const lines = r.stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`  ${flag} `));
  expect(at, `${command} --help has ${flag}`).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(at + 1);
  const end = rest.findIndex((l) => !/^ {6,}\S/.test(l));
  return [lines[at]!, ...rest.slice(0, end)].map((l) => l.trim()).join(' ').replace(/\s+/g, ' ');
}

describe('option help says what the option does on that command (issue 20, item 7)', () => {
  it.each([
    ['apply', '--to', /^--to <version> apply up to and including this migration version/],
    ['revert', '--to', /^--to <version> revert every applied migration after this version, keeping it/],
    ['plan', '--to', /^--to <time> end of the range, UTC, exclusive/],
    ['backfill', '--to', /^--to <time> end of the range, UTC, exclusive/],
    ['verify', '--run-id', /^--run-id <id> also check this backfill run: each window's rows written against its source count/],
    ['backfill', '--run-id', /^--run-id <id> the new run's id \(default: generated/],
    ['throttle', '--concurrency', /^--concurrency <n> the run's new limit: how many of its statements run at once/],
  ])('%s %s', async (command, flag, says) => {
    expect(await optionHelp(command, flag)).toMatch(says);
  });

  it('throttle\'s page speaks of statements, not windows run at once', async () => {
    const r = await hourglass(['throttle', '--help']);
    expect(r.stdout).toMatch(/statements/);
    expect(r.stdout).not.toMatch(/\bwindows\b/);
  });
});

describe('version and usage errors', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await hourglass(['--version']);
    expect(r).toEqual({ code: 0, stdout: `hourglass ${version}\n`, stderr: '' });
  });

  it('run --version N is still the migration version, not the program version', async () => {
    const r = await hourglass(['run', 'frobnicate', '--version', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: [^\n]*"action" must be one of[^\n]*\n$/);
  });

  it.each([
    [['windows'], /^error: windows needs <runId>: list the windows of a run/],
    [['runs', '--status', 'failed'], /option --status does not apply to "runs"/],
    [['windows', RUN, '--to', 'x'], /option --to does not apply to "windows"/],
    [['windows', RUN, 'extra'], /"windows" takes 1 argument, got: RUN extra/],
    [['--nope', 'runs'], /unknown option '--nope'/],
  ])('%j is refused with one line and exit 2', async (args, message) => {
    const r = await hourglass(['--state', state, ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(message.source.replace('RUN', RUN)));
    expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
  });
});

describe('output', () => {
  it('a reader that closes the pipe early (| head) ends the process quietly', async () => {
    const child = spawn(process.execPath, [BIN, '--state', state, 'windows', RUN], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('piped listings are not paged (all 2000 windows on stdout)', async () => {
    const r = await hourglass(['--state', state, 'windows', RUN], { env: { PAGER: 'false' } });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    // the column header, the 2000 windows, the summary line
    expect(lines[0]).toMatch(/^\s*#?\s*start\b/i);
    expect(lines).toHaveLength(2002);
  });

  it('on a terminal, runs and windows go through $PAGER', async () => {
    // `script` gives the CLI a real terminal; the pager marks every line it passes through.
    const pager = "sed 's/^/paged: /'";
    const r = await new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qec', `${process.execPath} ${BIN} --state ${state} runs`, '/dev/null'], { env: { ...process.env, PAGER: pager }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('close', () => resolve(out));
    });
    expect(r).toMatch(new RegExp(`^paged: ${RUN} `, 'm'));
  });
});
