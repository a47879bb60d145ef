// The bad-input corpus (issue 6): every case gets one clear line on stderr (JSON with --json), exit code 2,
// no password in any output, and leaves the target and the state store exactly as they were.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../functions/engine/errors.js';
import { parseRunInput } from '../../functions/engine/service/input.js';
import { CLI_CASES, INPUT_CASES, PASSWORD } from './cases.js';
import { hourglass } from './cli.js';
import { snapshot, type Snapshot } from './snapshot.js';

const root = mkdtempSync(join(tmpdir(), 'hourglass-corpus-'));
const url = `chdb:${join(root, 'ch')}`;
const state = join(root, 'state');
const good = join(root, 'mig-good');

const TABLE = (name: string) => `CREATE TABLE ${name} (ts DateTime64(3, 'UTC'), v UInt32) ENGINE = MergeTree ORDER BY ts;`;
const BACKFILL = (header = 'window') => [
  `-- ${header}: 1h`, '-- target: dst', '-- time-column: ts', '-- from: 2024-01-01T00:00:00Z', '-- to: 2024-01-01T06:00:00Z',
  'INSERT INTO dst SELECT ts, v FROM src WHERE ts >= {window_start} AND ts < {window_end}',
].join('\n');

function folder(name: string, files: Record<string, string>): void {
  const dir = join(root, `mig-${name}`);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
}

let before: Snapshot;

beforeAll(async () => {
  folder('good', { '0001_src.up.sql': TABLE('src'), '0002_dst.up.sql': TABLE('dst'), '0002_dst.backfill.sql': BACKFILL(), '0003_later.up.sql': TABLE('later') });
  folder('badname', { '0001_src.up.sql': TABLE('src'), 'create users.up.sql': TABLE('users') });
  folder('duplicate', { '0001_src.up.sql': TABLE('src'), '0001_other.up.sql': TABLE('other') });
  folder('empty', { '0001_src.up.sql': TABLE('src'), '0002_dst.up.sql': TABLE('dst'), '0002_dst.backfill.sql': BACKFILL(), '0003_later.up.sql': '-- nothing here\n' });
  folder('downonly', { '0001_src.up.sql': TABLE('src'), '0002_dst.down.sql': 'DROP TABLE dst;' });
  folder('throws', { '0001_src.up.sql': TABLE('src'), '0002_dst.up.sql': TABLE('dst'), '0002_dst.backfill.sql': BACKFILL(), '0003_later.ts': "throw new Error('boom on import');\nexport async function up() {}\n" });
  folder('both', { '0001_src.up.sql': TABLE('src'), '0001_src.ts': 'export async function up() {}\n' });
  folder('badheader', { '0001_src.up.sql': TABLE('src'), '0002_dst.up.sql': TABLE('dst'), '0002_dst.backfill.sql': BACKFILL('windoww') });
  // A target with two applied migrations, one pending, and one finished run in the state store.
  const common = ['--url', url, '--state', state, '--migrations', good];
  expect((await hourglass([...common, 'apply', '--to', '2'])).code).toBe(0);
  const run = await hourglass([...common, 'backfill', '2', '--run-id', 'corpus-run', '--json']);
  expect(run.code, run.stderr).toBe(0);
  before = await snapshot(url, state);
  expect(before.tables).toEqual(['dst', 'hourglass_migrations', 'src']);
  expect(before.runs).toHaveLength(1);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('bad input on the command line', () => {
  it('has at least 40 cases', () => expect(CLI_CASES.length + INPUT_CASES.length).toBeGreaterThanOrEqual(40));

  for (const c of CLI_CASES) {
    it(`${c.name}: one line, exit 2, nothing changed`, async () => {
      const migrations = c.mig ? join(root, `mig-${c.mig}`) : good;
      const result = await hourglass(['--url', c.url ?? url, '--state', state, '--migrations', migrations, ...c.args]);
      const lines = result.stderr.trim().split('\n');
      expect(result.code, result.stderr).toBe(2);
      expect(lines, result.stderr).toHaveLength(1);
      if (c.json) {
        // exactly the shape, nothing more
        expect(JSON.parse(lines[0]!)).toEqual({ error: expect.stringMatching(c.says), exitCode: 2 });
      } else {
        expect(lines[0]).toMatch(/^error: /);
        expect(lines[0]).toMatch(c.says);
      }
      expect(result.stdout).toBe('');
      expect(result.stderr + result.stdout).not.toContain(PASSWORD);
      expect(await snapshot(url, state)).toEqual(before);
    });
  }
});

describe('bad state-machine inputs and API bodies', () => {
  for (const c of INPUT_CASES) {
    it(`${c.name}: UsageError with one line`, () => {
      let caught: unknown;
      try {
        parseRunInput(c.input);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UsageError);
      const error = caught as UsageError;
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(c.says);
      expect(error.message).not.toContain('\n');
    });
  }
});
