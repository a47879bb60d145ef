// Opens a @clickhouse/client ClickHouseClient for a target: over HTTP for a server, or
// through chdb's in-process Connection for an embedded `chdb:<dir>` target, so every
// other file of the driver talks to one client type whichever the target is.
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseClientConfigOptions, type ClickHouseSettings } from '@clickhouse/client';
import type { createChdbConnection as CreateChdbConnection } from 'chdb/connection';
import type { TargetUrl } from '../../target-url.js';
import { ConnectionError, UsageError, errorMessage } from '../../errors.js';
import { makeDirectories } from '../../make-dirs.js';

export type ClickHouseTarget = Extract<TargetUrl, { engine: 'clickhouse' }>;

export interface OpenedClient {
  client: ClickHouseClient;
  database: string;
  /** Names the target's database independently of credentials: the migration lease key. */
  lockKey: string;
  /**
   * A client whose current database is `name` (a verify scratch): a second HTTP client for a
   * server; for chdb, whose one session holds the current database, `USE name` on the same
   * client until release() switches back. Callers run nothing else on the driver meanwhile.
   */
  withDatabase(name: string): Promise<{ client: ClickHouseClient; release(): Promise<void> }>;
  /** Closes the client and, for chdb, waits until the engine has really let the directory go. */
  close(): Promise<void>;
}

// 64-bit integers as JSON numbers, not quoted strings: counts and versions stay numbers.
// Hourly windows, {cutover} and every time read back are UTC: the session agrees, whatever the
// server's (or, for chdb, the process's) time zone, so a DateTime without its own zone prints
// and parses as UTC (a New York server would otherwise shift a derived range by five hours).
export const CLICKHOUSE_SETTINGS: ClickHouseSettings = { output_format_json_quote_64bit_integers: 0, session_timezone: 'UTC' };

type ChdbClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

// Errors reach the caller as exceptions and are redacted there; the client's own log lines
// (multi-line, with query text and settings) would bypass redact() and clutter CLI output.
const CLIENT_LOG = { level: ClickHouseLogLevel.OFF };

// A long INSERT … SELECT of a backfill window must not be cut off by the client's 30 s
// default; 15 minutes is also the longest a Lambda task can run.
const REQUEST_TIMEOUT_MS = 15 * 60_000;

// chdb ships CommonJS only.
const require = createRequire(import.meta.url);

export async function connectClickHouse(target: ClickHouseTarget): Promise<OpenedClient> {
  return target.kind === 'embedded' ? connectEmbedded(target.dir) : connectServer(target);
}

async function connectServer(target: Extract<ClickHouseTarget, { kind: 'http' }>): Promise<OpenedClient> {
  const config = (database: string) => ({
    url: target.url, username: target.username, password: target.password, database,
    clickhouse_settings: CLICKHOUSE_SETTINGS, request_timeout: REQUEST_TIMEOUT_MS, log: CLIENT_LOG,
  });
  const client = createClient(config(target.database));
  try {
    // A query rather than ping: it also proves the credentials and that the database exists.
    await (await client.query({ query: 'SELECT 1', format: 'JSONEachRow' })).json();
  } catch (error) {
    await client.close();
    if (!(error instanceof Error)) throw error;
    throw new ConnectionError(`cannot connect to ClickHouse at ${target.display}: ${errorMessage(error)}`, { cause: error });
  }
  const withDatabase = async (name: string) => {
    const scoped = createClient(config(name));
    return { client: scoped, release: () => scoped.close() };
  };
  return { client, database: target.database, lockKey: `clickhouse:${target.url}/${target.database}`, withDatabase, close: () => client.close() };
}

async function connectEmbedded(dir: string): Promise<OpenedClient> {
  try {
    makeDirectories(dir);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    // A path that cannot be a directory is bad input (exit 2), not an unreachable server.
    throw new UsageError(`cannot create embedded ClickHouse data directory ${dir}: ${errorMessage(error)}`, { cause: error });
  }
  const { createChdbConnection } = require('chdb/connection') as { createChdbConnection: typeof CreateChdbConnection };
  let connection: ReturnType<typeof CreateChdbConnection>;
  try {
    connection = createChdbConnection({ path: dir });
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    throw embeddedOpenError(dir, error);
  }
  // chdb types its Connection against its own copy of @clickhouse/client-common, which
  // differs from the one bundled in @clickhouse/client only in declarations.
  const client = createClient({ connection: connection as unknown as ChdbClientConnection, clickhouse_settings: CLICKHOUSE_SETTINGS, log: CLIENT_LOG });
  const close = async (): Promise<void> => {
    await client.close();
    // close() can return before the engine has dropped a connection an operation was
    // still using; until it has, this process cannot open a different directory.
    const { drainPending } = require('chdb') as { drainPending(): Promise<void> };
    await drainPending();
  };
  const withDatabase = async (name: string) => {
    await client.command({ query: `USE ${name}` });
    return { client, release: () => client.command({ query: 'USE default' }).then(() => undefined) };
  };
  return { client, database: 'default', lockKey: `chdb:${realpathSync(dir)}`, withDatabase, close };
}

// chdb reports a directory locked by another process only as "Failed to create
// connection" (the engine's reason goes to stderr), so look at who the directory's
// `status` file names: ClickHouse writes its PID there and holds a lock on it while open.
function embeddedOpenError(dir: string, error: Error): ConnectionError {
  const owner = statusOwnerPid(dir);
  if (owner !== null && owner !== process.pid && isAlive(owner)) {
    return new ConnectionError(`embedded ClickHouse data directory ${dir} is in use by another process (one process owns a chdb directory at a time)`, { cause: error });
  }
  return new ConnectionError(`cannot open embedded ClickHouse data directory ${dir}: ${errorMessage(error)}`, { cause: error });
}

function statusOwnerPid(dir: string): number | null {
  let text: string;
  try {
    text = readFileSync(`${dir}/status`, 'utf8');
  } catch (error) {
    // Unreadable or absent: nothing to say about an owner; the caller reports chdb's own error.
    if (error instanceof Error && 'code' in error) return null;
    throw error;
  }
  const pid = /^PID:\s*(\d+)/m.exec(text)?.[1];
  return pid === undefined ? null : Number(pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}
