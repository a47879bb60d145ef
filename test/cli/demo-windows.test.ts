// Issue 20 items 2 and 10: the demo backfills days × 24 hourly windows (1 day: 24, not 25), and
// leaves .hourglass/defaults.json so plain `status` and `runs` find its database and run.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { hourglass } from '../corpus/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hourglass-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('one day of demo is 24 hourly windows, and plain status and runs find the demo afterwards', async () => {
  const env = { HOURGLASS_REPO_ROOT: resolve('.') };
  const demo = await hourglass(['demo', '--days', '1'], { cwd: dir, env });
  expect(demo.code, demo.stderr + demo.stdout).toBe(0);
  expect(demo.stdout).toMatch(/5\. backfill succeeded: 24\/24 hourly windows/);
  expect(JSON.parse(readFileSync(join(dir, '.hourglass/defaults.json'), 'utf8'))).toMatchObject({ url: 'chdb:.hourglass/demo/clickhouse', state: '.hourglass/demo/state' });
  const status = await hourglass(['--migrations', resolve('migrations/clickhouse'), 'status', '--json'], { cwd: dir });
  expect(status.code, status.stderr).toBe(0);
  expect((JSON.parse(status.stdout) as { migrations: { state: string }[] }).migrations.map((m) => m.state)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
  const runs = await hourglass(['runs', '--json'], { cwd: dir });
  expect((JSON.parse(runs.stdout) as { runs: { runId: string; windows: number }[] }).runs).toContainEqual(expect.objectContaining({ runId: 'demo-3-backfill', windows: 24 }));
  expect(existsSync(join(dir, '.hourglass/clickhouse'))).toBe(false);
}, 300_000);
