// Issue 20 item 2: read-only commands on a fresh checkout create nothing (no empty database, no
// state directory) and say nothing is there yet; after `hourglass demo`, .hourglass/defaults.json
// points plain `status` and `runs` at the demo's database and state.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { hourglass } from '../corpus/cli.js';

const MIGRATIONS = resolve('migrations/clickhouse');
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('status, runs, windows and plan on nothing create nothing and say so', async () => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-ro-'));
  const status = await hourglass(['--migrations', MIGRATIONS, 'status', '--json'], { cwd: dir });
  expect(status.code, status.stderr).toBe(0);
  expect((JSON.parse(status.stdout) as { migrations: { state: string }[] }).migrations.every((m) => m.state === 'pending')).toBe(true);
  const text = await hourglass(['--migrations', MIGRATIONS, 'status'], { cwd: dir });
  expect(text.code, text.stderr).toBe(0);
  expect(text.stderr).toMatch(/nothing at .*\.hourglass\/clickhouse yet/);
  const runs = await hourglass(['runs'], { cwd: dir });
  expect(runs.code, runs.stderr).toBe(0);
  expect(runs.stdout).toMatch(/no runs yet: nothing at .*\.hourglass\/state yet/);
  const windows = await hourglass(['windows', 'some-run'], { cwd: dir });
  expect(windows.code).toBe(2);
  expect(windows.stderr.trim()).toMatch(/^error: unknown run "some-run": nothing at .* yet/);
  const plan = await hourglass(['--migrations', MIGRATIONS, 'plan', '3'], { cwd: dir });
  expect(plan.code).toBe(2);
  expect(plan.stderr.trim()).toMatch(/^error: nothing at .*\.hourglass\/clickhouse yet/);
  expect(existsSync(join(dir, '.hourglass'))).toBe(false);
}, 120_000);

it('.hourglass/defaults.json (what the demo writes) is where plain status and runs look', async () => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-ro-'));
  mkdirSync(join(dir, '.hourglass'));
  writeFileSync(join(dir, '.hourglass/defaults.json'), JSON.stringify({ url: 'chdb:.hourglass/demo/clickhouse', state: '.hourglass/demo/state' }));
  const applied = await hourglass(['--migrations', MIGRATIONS, 'apply', '--to', '1'], { cwd: dir });
  expect(applied.code, applied.stderr).toBe(0);
  expect(existsSync(join(dir, '.hourglass/demo/clickhouse'))).toBe(true);
  expect(existsSync(join(dir, '.hourglass/clickhouse'))).toBe(false);
  const status = await hourglass(['--migrations', MIGRATIONS, 'status'], { cwd: dir });
  expect(status.stdout).toMatch(/^target {3}chdb:\.hourglass\/demo\/clickhouse/);
  expect(status.stdout).toMatch(/0001 {2}applied/);
  const runs = await hourglass(['runs'], { cwd: dir });
  expect(runs.code, runs.stderr).toBe(0);
  expect(runs.stdout).toBe('no runs yet\n');
  expect(existsSync(join(dir, '.hourglass/demo/state'))).toBe(true);
  expect(existsSync(join(dir, '.hourglass/state'))).toBe(false);
}, 120_000);
