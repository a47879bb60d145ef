// Opens the `pg` Client a PostgreSQL driver works through (one session, so a session
// advisory lock and a transaction stay on it), starting the embedded server first for
// `pg-embedded:<dir>` (or the embedded TimescaleDB for `pglite:<dir>`); openSession adds
// sessions to the same database for transactions that overlap (parallel backfill windows).
// A PGlite server (WASM, one backend) takes one client at a time: the connection says so
// (singleSession), and the driver then never opens a second session.
// Failures become a one-line, redacted ConnectionError.
import pg from 'pg';
import type { EmbeddedPostgresServer } from '../../embedded/postgres-server.js';
import { ConnectionError, HourglassError, errorMessage } from '../../errors.js';
import type { TargetUrl } from '../../target-url.js';

export type PostgresTarget = Extract<TargetUrl, { engine: 'postgres' }>;

export interface PostgresConnection {
  client: pg.Client;
  /** The embedded server this connection started, to stop on close. */
  server: { stop(): Promise<void> } | null;
  /** The server admits one client at a time (PGlite): every session would wait for this one to end. */
  singleSession: boolean;
  /** Another session to the same database, or to `database` on the same server (same settings); the caller ends it. */
  openSession(database?: string): Promise<pg.Client>;
}

const CONNECT_TIMEOUT_MS = 15_000;
const INT8 = 20;
const NUMERIC = 1700;
const TIMESTAMP = 1114;

/**
 * Parsers for this client only (pg's global registry is shared with anything else in
 * the process): int8 and numeric as JS numbers (counts and sums are int8/numeric),
 * `timestamp` without time zone read as UTC rather than the process's local time.
 * timestamptz keeps pg's default: a Date.
 */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary') {
      if (oid === INT8 || oid === NUMERIC) return (text: string) => Number(text);
      if (oid === TIMESTAMP) return parseUtcTimestamp;
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

function parseUtcTimestamp(text: string): Date | string {
  if (!/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?$/.test(text)) return pg.types.getTypeParser(TIMESTAMP, 'text')(text) as Date | string;
  return new Date(`${text.replace(' ', 'T')}Z`);
}

export async function connectPostgres(target: PostgresTarget): Promise<PostgresConnection> {
  let server: { stop(): Promise<void> } | null = null;
  let connectionString: string;
  if (target.kind === 'embedded') {
    // Loaded only for pg-embedded: a server URL never pays for the embedded server's code.
    const { startEmbeddedPostgres } = await import('../../embedded/postgres-server.js');
    const embedded: EmbeddedPostgresServer = await startEmbeddedPostgres(target.dir);
    server = embedded;
    connectionString = embedded.connectionString(target.database);
  } else if (target.kind === 'pglite') {
    const { startPgliteTarget } = await import('../../embedded/pglite-host.js');
    const pglite = await startPgliteTarget(target.dir);
    server = { stop: () => pglite.close() };
    connectionString = pglite.url;
  } else {
    connectionString = target.connectionString;
  }
  let client: pg.Client;
  let singleSession: boolean;
  try {
    client = await openClient(connectionString);
    singleSession = target.kind === 'pglite' || wasmBuilds.has(client);
  } catch (error) {
    await server?.stop();
    throw connectionError(target, error);
  }
  const openSession = (database?: string) => openClient(database === undefined ? connectionString : withDatabase(connectionString, database)).catch((error: unknown) => {
    throw connectionError(target, error);
  });
  return { client, server, singleSession, openSession };
}

/** Clients connected to a WASM build (PGlite reports Emscripten in version()): a server URL may point at one (`hourglass serve --url pglite:…`). */
const wasmBuilds = new WeakSet<pg.Client>();

function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.href;
}

async function openClient(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString,
    types: typeParsers,
    application_name: 'hourglass',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // A server that goes away emits 'error' on the idle client; unhandled, that event
  // would crash the process. The next query reports the broken connection instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
    // Hourly windows, {cutover} and date_trunc are UTC: make the session agree. The same round
    // trip asks whether the server is PGlite.
    const results = (await client.query("SET TIME ZONE 'UTC'; SELECT strpos(version(), 'Emscripten') > 0 AS wasm")) as unknown as pg.QueryResult[];
    if (results[1]?.rows[0]?.wasm === true) wasmBuilds.add(client);
  } catch (error) {
    await client.end().catch(() => undefined); // the connect error is what matters
    throw error;
  }
  return client;
}

function connectionError(target: PostgresTarget, error: unknown): HourglassError {
  if (error instanceof HourglassError) return error;
  const code = (error as { code?: string }).code;
  let reason = describe(error);
  if (code === '3D000') reason = `${reason} (create it first, e.g. createdb ${target.database})`;
  return new ConnectionError(`cannot connect to ${target.display}: ${reason}`, { cause: error });
}

/** Node reports a refused dual-stack connect as an AggregateError with an empty message. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.message === '' && error.errors.length > 0) return describe(error.errors[0]);
  const message = errorMessage(error).split('\n')[0]?.trim();
  if (message) return message;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'unknown error';
}
