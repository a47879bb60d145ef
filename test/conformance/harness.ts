// What the conformance suite needs from an engine, and the per-test target built on it.
// The suite itself is engine-neutral: every engine difference lives behind EngineHarness.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Driver, Engine, Row, TrackingRow } from '../../functions/engine/drivers/driver.js';
import { describeRun, runCli, type CliResult } from './cli.js';

/** One result of a concurrent apply: did it succeed, and how many migrations did it apply itself. */
export interface ConcurrentApplyResult {
  ok: boolean;
  applied: number;
  detail: string;
}

export interface EngineHarness {
  readonly engine: Engine;
  /** True when a migration and its tracking row commit together (PostgreSQL). */
  readonly transactional: boolean;
  /** Starts what the engine needs (a server) once per file. */
  start(): Promise<void>;
  /** Stops everything start() started. */
  stop(): Promise<void>;
  /** A fresh, empty target for one test; `dir` is the test's own temp dir. Returns its URL. */
  freshTarget(id: string, dir: string): Promise<string>;
  /** Opens the target in this process, runs fn, and closes it again before returning. */
  inspect<T>(url: string, fn: (driver: Driver) => Promise<T>): Promise<T>;
  /** Table names of the target (including hourglass_migrations when present), sorted. */
  tables(driver: Driver): Promise<string[]>;
  /** Everything about the schema a migration could change: tables with their columns, types, indexes. */
  schema(driver: Driver): Promise<Row[]>;
  /**
   * Every stored row of the tracking table. ClickHouse appends a row per state change and
   * background merges drop the older ones whenever they run: `merged` reads it as a merge
   * would leave it (FINAL), stable between two snapshots; without it, whatever is stored now.
   */
  rawTracking(driver: Driver, view?: 'merged' | 'stored'): Promise<Row[]>;
  /** `CREATE TABLE <name> (id <integer>)` in the engine's dialect, without IF NOT EXISTS. */
  createTable(name: string): string;
  /** Strings that must never appear in any output (passwords in the target URLs). */
  readonly secrets: string[];
  /** Malformed URLs of this engine's schemes (exit 2). */
  readonly malformedUrls: string[];
  /** URLs that cannot be connected to (refused port, wrong password), with the password each carries. */
  unreachableUrls(): { what: string; url: string; password: string }[];
  /**
   * True for PGlite, a single-user backend: CREATE INDEX CONCURRENTLY fails there ("tuple
   * concurrently updated") and leaves the backend unusable, so the no-transaction cases use
   * VACUUM, the other statement that refuses a transaction block.
   */
  readonly singleUserBackend?: boolean;
  /** Runs `n` applies of the target's migrations at the same moment. */
  applyConcurrently(target: TestTarget, n: number): Promise<ConcurrentApplyResult[]>;
}

/** The password inside the harnesses' malformed URLs: refused as bad input, and never echoed. */
export const MALFORMED_URL_PASSWORD = 'Malf0rmed-url-PW-k2';

export interface Snapshot {
  tables: string[];
  schema: Row[];
  tracking: TrackingRow[];
  raw: Row[];
}

export class TestTarget {
  readonly migrations: string;
  readonly state: string;

  constructor(readonly harness: EngineHarness, readonly url: string, readonly dir: string) {
    this.migrations = join(dir, 'migrations');
    this.state = join(dir, 'state');
    mkdirSync(this.migrations, { recursive: true });
  }

  /** `hourglass --url … --migrations … --state … <args>`; fails the test if any output holds a secret. */
  async cli(...args: string[]): Promise<CliResult> {
    return this.cliAt({ url: this.url, migrations: this.migrations }, ...args);
  }

  async cliAt(where: { url: string; migrations?: string }, ...args: string[]): Promise<CliResult> {
    const result = await runCli(['--url', where.url, '--migrations', where.migrations ?? this.migrations, '--state', this.state, ...args]);
    expectNoSecrets(result, this.harness.secrets);
    return result;
  }

  /** Writes migration files (file name → text). */
  write(files: Record<string, string>): void {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.migrations, name), text);
  }

  /** Empties the migrations folder, then writes `files`. */
  reset(files: Record<string, string>): void {
    for (const name of readdirSync(this.migrations)) rmSync(join(this.migrations, name), { force: true });
    this.write(files);
  }

  remove(...names: string[]): void {
    for (const name of names) rmSync(join(this.migrations, name));
  }

  inspect<T>(fn: (driver: Driver) => Promise<T>): Promise<T> {
    return this.harness.inspect(this.url, fn);
  }

  snapshot(): Promise<Snapshot> {
    return this.inspect(async (driver) => {
      const tables = await this.harness.tables(driver);
      return {
        tables,
        schema: await this.harness.schema(driver),
        tracking: await driver.readTracking(),
        raw: tables.includes('hourglass_migrations') ? await this.harness.rawTracking(driver, 'merged') : [],
      };
    });
  }

  count(table: string): Promise<number> {
    return this.inspect(async (driver) => {
      const [row] = await driver.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${driver.quoteIdentifier(table)}`);
      return Number(row?.n);
    });
  }
}

export function expectNoSecrets(result: CliResult, secrets: string[]): void {
  for (const secret of secrets) {
    expect(result.stdout.includes(secret), `secret in stdout of ${describeRun(result)}`).toBe(false);
    expect(result.stderr.includes(secret), `secret in stderr of ${describeRun(result)}`).toBe(false);
  }
}

export function expectExit(result: CliResult, code: number): void {
  expect(result.code, describeRun(result)).toBe(code);
}

/** The message of an error line: `error: …`, or with --json `{"error":"…","exitCode":N}` (its exit code checked too). */
export function errorLineMessage(result: CliResult, line: string): string {
  if (!result.args.includes('--json')) {
    expect(line, describeRun(result)).toMatch(/^error: /);
    return line.slice('error: '.length);
  }
  const parsed = JSON.parse(line) as { error: string; exitCode: number };
  expect(Object.keys(parsed), describeRun(result)).toEqual(['error', 'exitCode']);
  expect(parsed.exitCode, describeRun(result)).toBe(result.code);
  return parsed.error;
}

/** Bad input: exit 2, nothing on stdout, exactly one line on stderr, `error: …` (JSON with --json). */
export function expectUsageError(result: CliResult, mentions: string | RegExp): void {
  expectExit(result, 2);
  expect(result.stdout, describeRun(result)).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, describeRun(result)).toHaveLength(1);
  const message = errorLineMessage(result, lines[0]!);
  if (typeof mentions === 'string') expect(message).toContain(mentions);
  else expect(message).toMatch(mentions);
}
