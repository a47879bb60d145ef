// Resolves where a command points (URL, migrations folder, state dir) and owns what it
// opens, so every command closes its engines and servers on the way out.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../engine/errors.js';
import { parseTargetUrl, type TargetUrl } from '../engine/target-url.js';
import type { Driver } from '../engine/drivers/driver.js';
import type { LeaseProvider } from '../engine/drivers/lease.js';
import type { ParsedArgs } from './args.js';
import { openStateStore, type StateHandle } from './state.js';

export const DEFAULT_URL = 'chdb:.hourglass/clickhouse';
export const DEFAULT_STATE = '.hourglass/state';

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
    const url = (o.url as string | undefined) ?? fromConfig.url ?? process.env.HOURGLASS_URL ?? DEFAULT_URL;
    this.target = parseTargetUrl(url);
    this.targetUrlText = url;
    const migrations = (o.migrations as string | undefined) ?? fromConfig.migrations ?? `migrations/${this.target.engine}`;
    this.migrationsDir = resolve(cwd, migrations);
    this.stateDir = resolve(cwd, (o.state as string | undefined) ?? DEFAULT_STATE);
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
