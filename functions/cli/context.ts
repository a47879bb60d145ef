// Resolves where a command points (URL, migrations folder, state dir) and owns what it
// opens, so every command closes its engines and servers on the way out.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError, errorMessage } from '../engine/errors.js';
import { assertCanMakeDirectories } from '../engine/make-dirs.js';
import { parseTargetUrl, type TargetUrl } from '../engine/target-url.js';
import type { Driver } from '../engine/drivers/driver.js';
import type { LeaseProvider } from '../engine/drivers/lease.js';
import type { ParsedArgs } from './args.js';
import { openStateStore, type StateHandle } from './state.js';

export const DEFAULT_URL = 'chdb:.hourglass/clickhouse';
export const DEFAULT_STATE = '.hourglass/state';
/** Written by `hourglass demo` (npm start): the URL and state dir plain `hourglass status` / `runs` then use. */
export const DEFAULTS_FILE = '.hourglass/defaults.json';

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

interface ConfigTarget {
  url?: string;
  migrations?: string;
}

export class CliContext {
  readonly target: TargetUrl;
  /** The URL as given (may hold a password): only handed to drivers, never printed. */
  readonly targetUrlText: string;
  readonly migrationsDir: string;
  readonly stateDir: string;
  readonly json: boolean;
  readonly verbose: boolean;
  private driver?: Promise<Driver>;
  private state?: Promise<StateHandle>;

  constructor(readonly args: ParsedArgs, readonly io: CliOutput, cwd = process.cwd()) {
    const o = args.options;
    const fromConfig = o.target !== undefined ? configTarget(cwd, String(o.target)) : {};
    const local = localDefaults(cwd);
    const url = (o.url as string | undefined) ?? fromConfig.url ?? process.env.HOURGLASS_URL ?? local.url ?? DEFAULT_URL;
    this.target = parseTargetUrl(url);
    this.targetUrlText = url;
    const migrations = (o.migrations as string | undefined) ?? fromConfig.migrations ?? `migrations/${this.target.engine}`;
    this.migrationsDir = resolve(cwd, migrations);
    this.stateDir = resolve(cwd, (o.state as string | undefined) ?? local.state ?? DEFAULT_STATE);
    this.json = o.json === true;
    this.verbose = o.verbose === true;
  }

  /** Opens the target once; ClickHouse gets the lease store for its migration lock. */
  async openDriver(): Promise<Driver> {
    this.driver ??= (async () => {
      const { openDriver } = await import('../engine/open-target.js');
      // The lease store starts only when a lock is really taken: a no-op apply never pays for it.
      const leases: LeaseProvider | undefined = this.target.engine === 'clickhouse' ? { acquire: async (...args) => (await this.openState()).leases.acquire(...args) } : undefined;
      return openDriver(this.target, { leases });
    })();
    return this.driver;
  }

  /** DynamoDB state (runs, windows, leases): local dynalite under --state, or HOURGLASS_DYNAMODB_ENDPOINT. */
  async openState(): Promise<StateHandle> {
    this.state ??= openStateStore(this.stateDir);
    return this.state;
  }

  /**
   * The embedded target's directory when it does not exist yet (chdb:, pg-embedded:, pglite:):
   * read-only commands then say so instead of creating an empty database. A path that can
   * never be a directory is still the one-line error opening it would give.
   */
  missingDatabaseDir(): string | undefined {
    const t = this.target;
    if (t.kind === 'http' || t.kind === 'server' || existsSync(t.dir)) return undefined;
    try {
      assertCanMakeDirectories(t.kind === 'pglite' ? dirname(t.dir) : t.dir);
    } catch (error) {
      const what = t.kind === 'pglite' ? `pglite: cannot create ${dirname(t.dir)}` : `cannot create embedded ${t.engine === 'clickhouse' ? 'ClickHouse' : 'PostgreSQL'} data directory ${t.dir}`;
      throw new UsageError(`${what}: ${errorMessage(error)}`);
    }
    return t.dir;
  }

  /** True when the local state directory does not exist yet (and no other DynamoDB is configured): nothing to read, nothing to create. */
  stateMissing(): boolean {
    if (process.env.HOURGLASS_TABLE_NAME || process.env.HOURGLASS_DYNAMODB_ENDPOINT || existsSync(this.stateDir)) return false;
    try {
      assertCanMakeDirectories(this.stateDir);
    } catch (error) {
      throw new UsageError(`cannot create state directory ${this.stateDir}: ${errorMessage(error)}`);
    }
    return true;
  }

  /** The clock. HOURGLASS_NOW (ISO-8601) pins it, for drills and the demo's fast-forward past a cut-over. */
  now(): Date {
    const pinned = process.env.HOURGLASS_NOW;
    if (!pinned) return new Date();
    const at = new Date(pinned);
    if (Number.isNaN(at.getTime())) throw new UsageError(`HOURGLASS_NOW is not a time: ${pinned}`);
    return at;
  }

  async close(): Promise<void> {
    const closing: Promise<unknown>[] = [];
    if (this.driver) closing.push(this.driver.then((d) => d.close(), () => undefined));
    await Promise.all(closing);
    if (this.state) await this.state.then((s) => s.close(), () => undefined);
  }
}

/** .hourglass/defaults.json, when `hourglass demo` wrote one: {url, state}, relative to cwd. */
function localDefaults(cwd: string): { url?: string; state?: string } {
  const path = resolve(cwd, DEFAULTS_FILE);
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { url?: unknown; state?: unknown };
    return { ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}), ...(typeof parsed.state === 'string' ? { state: parsed.state } : {}) };
  } catch (error) {
    throw new UsageError(`${DEFAULTS_FILE} is not valid JSON (delete it to use ${DEFAULT_URL}): ${(error as Error).message.split('\n')[0]}`);
  }
}

function configTarget(cwd: string, name: string): ConfigTarget {
  const path = resolve(cwd, 'hourglass.config.json');
  if (!existsSync(path)) throw new UsageError(`--target ${name}: no hourglass.config.json in ${cwd}`);
  let config: { targets?: Record<string, ConfigTarget> };
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`hourglass.config.json is not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const target = config.targets?.[name];
  if (!target) throw new UsageError(`--target ${name}: not defined in hourglass.config.json (known: ${Object.keys(config.targets ?? {}).join(', ') || 'none'})`);
  return target;
}
