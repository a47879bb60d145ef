// What a no-op `status` loads, through the bundle a user runs (bin/hourglass.mjs → dist/):
// over postgres:// it connects and answers without node ever loading undici (pg's Node 20
// Cloudflare check would, for ~1/3 of a bare pg script's start-up: scripts/cli-bundling.mjs),
// and the status it prints is the same whether or not the lint rules were loaded first.
// The start-up figures themselves are bench/noop-startup.ts's (no wall-clock thresholds here).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, hourglass, runNode } from '../corpus/cli.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

// Reports, as the process exits, whether node loaded its built-in undici (fetch, Response …).
const REPORT_UNDICI = `data:text/javascript,process.on('exit', () => process.stderr.write('undici loaded: ' + process.moduleLoadList.some((m) => m.includes('undici')) + '\\n'))`;

let pg: TestPostgres;
let url: string;
let dir: string;

beforeAll(async () => {
  pg = await startTestPostgres();
  url = await pg.createDatabase('cli_startup');
  dir = mkdtempSync(join(tmpdir(), 'hourglass-cli-startup-'));
  const applied = await hourglass(['--url', url, '--migrations', 'migrations/postgres', '--state', join(dir, 'state'), 'apply']);
  expect(applied.code, applied.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[]) => runNode(args);

it('status over postgres:// answers without loading undici', async () => {
  const r = await run(['--import', REPORT_UNDICI, BIN, '--url', url, '--migrations', 'migrations/postgres', '--state', join(dir, 'state'), 'status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  const status = JSON.parse(r.stdout) as { migrations: { state: string }[] };
  expect(status.migrations.length).toBeGreaterThan(0);
  expect(status.migrations.every((m) => m.state === 'applied')).toBe(true);
  expect(r.stderr).toContain('undici loaded: false');
});

it('the probe sees undici when it is loaded (so the check above can fail)', async () => {
  const r = await run(['--import', REPORT_UNDICI, '-e', 'void Response']);
  expect(r.stderr).toContain('undici loaded: true');
});

it('status prints every migration, one line each, after the target and version lines', async () => {
  const [text, json] = await Promise.all([
    hourglass(['--url', url, '--migrations', 'migrations/postgres', '--state', join(dir, 'state'), 'status']),
    hourglass(['--url', url, '--migrations', 'migrations/postgres', '--state', join(dir, 'state'), 'status', '--json']),
  ]);
  expect(text.code, text.stderr).toBe(0);
  const versions = (JSON.parse(json.stdout) as { migrations: { version: number; name: string }[] }).migrations;
  const lines = text.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^target {3}postgres:\/\//);
  expect(lines[1]).toMatch(/^database version \d+ · code version \d+$/);
  expect(lines.slice(2).map((l) => l.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual(versions.map((m) => `${String(m.version).padStart(4, '0')} applied ${m.name}`));
});
