// `hourglass run <action> --deployed` as a user runs it (bin/hourglass.mjs, a child process):
// the same --json as `run --json`, a pg-embedded: target reached by the bundles over TCP, every
// server stopped at the end (the next command opens the same directories), and bad usage
// refused with one line and exit 2 before anything starts.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hourglass } from '../corpus/cli.js';
import { SYNTH_TIMEOUT_MS, cloudAssembly } from './support.js';

let dir: string;

beforeAll(async () => {
  await cloudAssembly();
  dir = mkdtempSync(join(tmpdir(), 'hourglass-deployed-cli-'));
  chmodSync(dir, 0o755); // the postgres user enters it
}, SYNTH_TIMEOUT_MS);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('run apply --deployed --json prints what run apply --json prints, and leaves no server behind', async () => {
  const base = (name: string) => ['--url', `pg-embedded:${join(dir, name, 'pg')}`, '--migrations', 'migrations/postgres', '--state', join(dir, name, 'state'), '--json'];
  const deployed = await hourglass([...base('deployed'), 'run', 'apply', '--version', '3', '--deployed']);
  expect(deployed.code, deployed.stderr).toBe(0);
  const source = await hourglass([...base('source'), 'run', 'apply', '--version', '3']);
  expect(source.code, source.stderr).toBe(0);
  const [a, b] = [JSON.parse(deployed.stdout), JSON.parse(source.stdout)] as Record<string, unknown>[];
  expect(deployed.stdout.trim().split('\n')).toHaveLength(1);
  expect(Object.keys(a!)).toEqual(Object.keys(b!));
  expect({ ...a, executionName: 'x', run: { ...(a!.run as object), runId: 'x' } }).toEqual({ ...b, executionName: 'x', run: { ...(b!.run as object), runId: 'x' } });
  expect(a).toMatchObject({ status: 'SUCCEEDED', run: { status: 'succeeded' } });

  // The bundles applied the migrations; the PostgreSQL server and the state store were released.
  const status = await hourglass([...base('deployed'), 'status']);
  expect(status.code, status.stderr).toBe(0);
  const rows = JSON.parse(status.stdout) as { migrations: { version: number; state: string }[] };
  expect(rows.migrations.filter((m) => m.state === 'applied').map((m) => m.version)).toEqual([1, 2, 3]);
});

it.each([
  [['run', 'apply', '--deployed', '--remote'], 'error: --remote and --deployed exclude each other: the deployed stack in AWS, or its bundles here'],
  [['--migrations', 'test/verify/fixtures', 'run', 'apply', '--deployed'], 'error: --deployed runs the migrations the bundles carry (migrations/<folder> of this repository), not'],
  [['run', 'apply', '--deployed=yes'], 'error:'],
])('bad usage %# exits 2 with one line', async (args, message) => {
  const result = await hourglass(['--url', `chdb:${join(dir, 'bad', 'ch')}`, '--state', join(dir, 'bad', 'state'), ...args]);
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toContain(message);
  expect(existsSync(join(dir, 'bad')), 'nothing was created').toBe(false);
});
