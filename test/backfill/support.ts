// Shared by the backfill tests: temp folders, fixture migrations, the CLI as a child
// process, and short-lived in-process connections for inspecting a target.
//
// chdb allows one data directory per process and one process per directory: a CLI child
// opens its own, so every in-process look at a chdb target opens, reads and CLOSES the
// driver before the next CLI call on that directory (withTarget does exactly that).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { scrubbedEnv } from '../support/env.js';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { withDriver } from '../../functions/engine/open-target.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(repoRoot, 'bin/hourglass.mjs');
export const HOUR = 3_600_000;

const made: string[] = [];

/** A fresh temp dir (readable by the postgres user), removed by cleanupTempDirs(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `hourglass-${prefix}-`));
  chmodSync(dir, 0o755);
  made.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * The hooks every backfill test file on PostgreSQL needs: one server for the file (started
 * before its tests, stopped after them) and its temp dirs removed at the end.
 */
export function postgresForFile(): Pick<TestPostgres, 'createDatabase'> {
  let pg: TestPostgres | undefined;
  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
    cleanupTempDirs();
  });
  return { createDatabase: (name) => pg!.createDatabase(name) };
}

/** Writes `files` (name → text) into a new migrations folder under `root`. */
export function writeMigrations(root: string, files: Record<string, string>): string {
  const dir = join(root, 'migrations');
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** One workspace: a target URL, its migrations folder and its own on-disk state dir. */
export interface Workspace {
  url: string;
  migrations: string;
  state: string;
}

function globalArgs(ws: Workspace): string[] {
  return ['--url', ws.url, '--migrations', ws.migrations, '--state', ws.state];
}

/** Runs the bundled CLI to completion; never rejects on a non-zero exit. */
export function cli(ws: Workspace, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...globalArgs(ws), ...args], { cwd: repoRoot, env: scrubbedEnv(env), maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/** The CLI as a live child (for the SIGKILL test); stderr is handed to `onStderr` as it arrives. */
export function spawnCli(ws: Workspace, args: string[], onStderr: (chunk: string) => void): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [BIN, ...globalArgs(ws), ...args], { cwd: repoRoot, env: scrubbedEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', onStderr);
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited };
}

/** Runs the CLI and parses its stdout as JSON; fails loudly with the stderr otherwise. */
export async function cliJson<T = any>(ws: Workspace, args: string[], env: Record<string, string> = {}): Promise<{ code: number; json: T; stderr: string }> {
  const r = await cli(ws, [...args, '--json'], env);
  try {
    return { code: r.code, json: JSON.parse(r.stdout) as T, stderr: r.stderr };
  } catch {
    throw new Error(`hourglass ${args.join(' ')} printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

/** Opens the target in this process, runs `fn`, and always closes it (chdb: one dir per process). */
export function withTarget<T>(url: string, fn: (driver: Driver) => Promise<T>): Promise<T> {
  return withDriver(url, fn);
}

export interface TableFacts {
  count: number;
  distinct: number;
  checksum: string;
}

/**
 * Row count, distinct ids and an order-independent checksum of every row that changes with
 * any duplicate, missing or altered row (a sum of row hashes, not an XOR: duplicates don't cancel).
 */
export async function tableFacts(driver: Driver, table: string, where = 'true'): Promise<TableFacts> {
  const sql = driver.engine === 'clickhouse'
    ? `SELECT count() AS n, uniqExact(id) AS d, toString(sum(cityHash64(id, toUnixTimestamp64Milli(ts), v))) AS c FROM ${table} WHERE ${where}`
    : `SELECT count(*) AS n, count(DISTINCT id) AS d, coalesce(sum(('x' || substr(md5(id::text || '|' || (extract(epoch FROM ts) * 1000)::bigint::text || '|' || v), 1, 15))::bit(60)::bigint), 0)::text AS c FROM ${table} WHERE ${where}`;
  const [row] = await driver.query<{ n: unknown; d: unknown; c: unknown }>(sql);
  return { count: Number(row!.n), distinct: Number(row!.d), checksum: String(row!.c) };
}

export async function facts(url: string, table: string, where?: string): Promise<TableFacts> {
  return withTarget(url, (d) => tableFacts(d, table, where));
}

export interface WindowJson {
  start: string;
  end: string;
  status: string;
  attempts: number;
  rows: number;
  sourceRows?: number;
  error?: string;
}

export async function windowsOf(ws: Workspace, runId: string, status?: string): Promise<WindowJson[]> {
  const r = await cliJson<{ runId: string; windows: WindowJson[] }>(ws, ['windows', runId, ...(status ? ['--status', status] : [])]);
  if (r.code !== 0) throw new Error(`windows ${runId} exited ${r.code}: ${r.stderr}`);
  return r.json.windows;
}

export async function runsOf(ws: Workspace): Promise<Array<{ runId: string; status: string; windows: number; rows: number; counts: Record<string, number> }>> {
  const r = await cliJson(ws, ['runs']);
  if (r.code !== 0) throw new Error(`runs exited ${r.code}: ${r.stderr}`);
  return r.json.runs;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** A time literal for SQL written by a test (never user input). */
export function timeLiteral(engine: 'clickhouse' | 'postgres', ms: number): string {
  const text = new Date(ms).toISOString();
  return engine === 'clickhouse' ? `toDateTime64('${text.replace('T', ' ').replace('Z', '')}', 3, 'UTC')` : `'${text}'::timestamptz`;
}

/** `ts` inside any of the half-open ranges. */
export function inRanges(engine: 'clickhouse' | 'postgres', ranges: Array<[number, number]>): string {
  if (ranges.length === 0) return 'false';
  return ranges.map(([a, b]) => `(ts >= ${timeLiteral(engine, a)} AND ts < ${timeLiteral(engine, b)})`).join(' OR ');
}
