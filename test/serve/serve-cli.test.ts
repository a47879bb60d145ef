// `hourglass serve` as a user runs it: a child process that prints a clickhouse:// URL,
// another hourglass process that migrates through that URL, then SIGTERM and a clean exit.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, tempDir, writeMigrations } from '../backfill/support.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(repoRoot, 'bin/hourglass.mjs');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  cleanupTempDirs();
});

interface Served {
  child: ChildProcess;
  firstLine: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `hourglass serve …` and resolves once it printed its first stdout line. */
function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => { stderr += chunk; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline !== -1) resolve({ child, firstLine: stdout.slice(0, newline), exited });
    });
    void exited.then(({ code }) => reject(new Error(`serve exited ${code} before printing a URL: ${stderr}`)));
  });
}

function hourglass(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: repoRoot }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

describe('hourglass serve', () => {
  it('prints a clickhouse:// URL another hourglass process migrates through; SIGTERM ends it with exit 0', async () => {
    const root = tempDir('serve');
    const migrations = writeMigrations(root, {
      '0001_events.up.sql': "CREATE TABLE events (ts DateTime64(3, 'UTC'), id UInt64) ENGINE = MergeTree ORDER BY ts;",
      '0002_seed.up.sql': "INSERT INTO events SELECT toDateTime64('2024-01-01 00:00:00', 3, 'UTC') + number, number FROM numbers(10);",
    });
    const served = await serve(['--url', `chdb:${join(root, 'chdb')}`, '--json']);
    const { url } = JSON.parse(served.firstLine) as { url: string };
    expect(url).toMatch(/^clickhouse:\/\/default@127\.0\.0\.1:\d+\/default$/);

    const state = join(root, 'state');
    const apply = await hourglass(['--url', url, '--migrations', migrations, '--state', state, 'apply', '--json']);
    expect(apply.code, apply.stderr).toBe(0);
    const status = await hourglass(['--url', url, '--migrations', migrations, '--state', state, 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ databaseVersion: 2, codeVersion: 2, migrations: [{ version: 1, state: 'applied' }, { version: 2, state: 'applied' }] });

    served.child.kill('SIGTERM');
    const exit = await served.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.stdout.trim().split('\n')).toHaveLength(1);
    expect(exit.stderr).toMatch(/stopped \(SIGTERM\) after \d+ requests/);

    // The directory was let go: this process can serve it again, and the data is there.
    const again = await serve(['--url', `chdb:${join(root, 'chdb')}`]);
    expect(again.firstLine).toMatch(/^clickhouse:\/\/default@127\.0\.0\.1:\d+\/default$/);
    const after = await hourglass(['--url', again.firstLine, '--migrations', migrations, '--state', state, 'status', '--json']);
    expect(JSON.parse(after.stdout).databaseVersion).toBe(2);
    again.child.kill('SIGINT');
    expect(await again.exited).toMatchObject({ code: 0, signal: null });
  });

  it('bad input is one line and exit 2: a non-chdb URL, a bad port, a port in use', async () => {
    const root = tempDir('serve-bad');
    const notChdb = await hourglass(['serve', '--url', 'postgres://u:pw@127.0.0.1:5432/db']);
    expect(notChdb.code).toBe(2);
    expect(notChdb.stderr).toBe('error: serve needs an embedded URL (--url chdb:DIR or pglite:DIR), got postgres://u:***@127.0.0.1:5432/db\n');
    for (const port of ['99999', 'abc', '-1']) {
      const bad = await hourglass(['serve', '--url', `chdb:${join(root, 'a')}`, '--port', port]);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(/^error: .*'?--port/);
    }
    const first = await serve(['--url', `chdb:${join(root, 'b')}`]);
    const port = new URL(first.firstLine.replace(/^clickhouse:/, 'http:')).port;
    const busy = await hourglass(['serve', '--url', `chdb:${join(root, 'c')}`, '--port', port]);
    expect(busy).toMatchObject({ code: 2, stdout: '', stderr: `error: port ${port} is already in use\n` });
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
  });
});
