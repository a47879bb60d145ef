// A ClickHouse HTTP interface over embedded ClickHouse (chdb has no server of its own), so
// anything that speaks ClickHouse over HTTP — @clickhouse/client, hourglass with a
// clickhouse:// URL, the Lambda bundles run locally, peer tools — reaches the SAME embedded
// database through the network path it uses against a real server. It answers what a
// ClickHouse server answers for what @clickhouse/client sends: GET /ping, GET / and POST /
// with the query in the body or in the `query` URL parameter (the body then carrying an
// INSERT's rows), `param_<name>` parameters, settings as URL parameters (for that query
// only), `database`, `query_id`, `default_format`, gzip request/response bodies, the
// X-ClickHouse-* response headers, exception bodies and HTTP status codes as the server
// maps them, and a user/password check.
//
// chdb: one process owns a data directory; each session at that directory runs one query
// at a time, and sessions run side by side. So every request runs in a session of its own,
// opened for it and closed after it: requests run concurrently, as on a server, and a
// request's settings, parameters and database are that request's alone. Every statement is
// tagged with the request's query_id, so KILL QUERY reaches it by that id (chdb-http-kill.ts).
// Listens on loopback only.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { createChdbConnection as CreateChdbConnection } from 'chdb/connection';
import { splitSqlStatements } from '../sql-split.js';
import { registerSecret } from '../redact.js';
import {
  checkCredentials, ClickHouseHttpError, contentTypeOf, credentialsOf, errorBody, httpStatusOf, isReadOnlyStatement, paramStatements, type Credentials,
} from './chdb-http-protocol.js';
import { killByRequestIds, parseKillQuery, TAG_PREFIX } from './chdb-http-kill.js';

// chdb ships CommonJS only.
const require = createRequire(import.meta.url);

export interface ChdbHttpOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Loopback only: the endpoint has no TLS and holds a whole database. */
  host?: '127.0.0.1';
  /** The one user the endpoint accepts; `default` unless given. */
  user?: string;
  /** Its password; empty unless given. */
  password?: string;
}

export interface ChdbHttpServer {
  /** clickhouse://user[:password]@127.0.0.1:<port>/default — a target URL any ClickHouse client can use. */
  url: string;
  port: number;
  /** Requests served so far. */
  readonly requests: number;
  /** Stops accepting requests, waits for those running, lets the data directory go. */
  close(): Promise<void>;
}

// Parameters of the HTTP interface itself; every other parameter is a setting.
const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'session_id', 'session_timeout', 'session_check', 'role', 'default_format', 'user', 'password', 'compress', 'decompress']);
const DATABASE = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Answer {
  status: number;
  body: Buffer;
  headers: Record<string, string>;
}

export async function startChdbHttp(dir: string, opts: ChdbHttpOptions = {}): Promise<ChdbHttpServer> {
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new Error('the chdb HTTP endpoint binds 127.0.0.1 only');
  const expected: Credentials = { user: opts.user ?? 'default', password: opts.password ?? '' };
  if (expected.password !== '') registerSecret(expected.password);
  const chdb = require('chdb') as { drainPending(): Promise<void>; version?(): { libchdb?: string } };
  const { createChdbConnection } = require('chdb/connection') as { createChdbConnection: typeof CreateChdbConnection };
  // Held open for the server's life: the engine stays loaded between requests.
  const connection = createChdbConnection({ path: dir });
  const version = String((await connection.serverVersion) ?? 'chdb');
  const state = { requests: 0 };
  const running = new Set<string>();
  const inFlight = new Set<Promise<unknown>>();

  /** One request's statement in a session of its own; `statement` starts with its SET param_… lines. */
  async function inSession<T>(work: (session: ReturnType<typeof CreateChdbConnection>) => Promise<T>): Promise<T> {
    const session = createChdbConnection({ path: dir });
    const done = (async () => {
      try {
        return await work(session);
      } catch (error) {
        // chdb keeps a failed statement in system.processes until its session's next query
        // (closing does not clear it): clear it, so a KILL … SYNC waiting on it returns.
        await session.exec({ query: 'SELECT 1' } as never).catch(() => undefined);
        throw error;
      } finally {
        await session.close();
      }
    })();
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done)).catch(() => undefined);
    return done;
  }

  async function execute(query: string, params: URLSearchParams, queryId: string): Promise<Answer> {
    const database = params.get('database') ?? 'default';
    if (!DATABASE.test(database)) throw new ClickHouseHttpError(81, 'UNKNOWN_DATABASE', `Database ${database} does not exist`);
    const clickhouse_settings: Record<string, string | number> = {};
    for (const [key, value] of params) {
      if (!key.startsWith('param_') && !NOT_SETTINGS.has(key)) clickhouse_settings[key] = /^-?\d+$/.test(value) ? Number(value) : value;
    }
    const format = params.get('default_format') ?? 'TabSeparated';
    const sets = paramStatements(params);
    const kill = parseKillQuery(query);
    if (kill) {
      const run = (sql: string) => inSession(async (session) => {
        const rs = await session.exec({ query: sql } as never) as unknown as { stream: AsyncIterable<Buffer> };
        const out: Buffer[] = [];
        for await (const chunk of rs.stream) out.push(chunk);
        return Buffer.concat(out).toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, string>);
      });
      query = await killByRequestIds(kill, sets, run);
    }
    // The tag that lets a KILL QUERY find this statement by the request's id.
    if (clickhouse_settings.log_comment === undefined) clickhouse_settings.log_comment = `${TAG_PREFIX}${queryId}`;
    return inSession(async (session) => {
      const result = await session.exec({
        query: [...sets, `USE \`${database}\``, query].join(';\n'), query_id: queryId,
        clickhouse_settings: { ...clickhouse_settings, default_format: format },
      } as never) as unknown as { stream: AsyncIterable<Buffer>; summary?: Record<string, string> };
      const out: Buffer[] = [];
      for await (const chunk of result.stream) out.push(chunk);
      return {
        status: 200, body: Buffer.concat(out),
        headers: { 'Content-Type': contentTypeOf(format), 'X-ClickHouse-Format': format, 'X-ClickHouse-Summary': JSON.stringify(result.summary ?? {}) },
      };
    });
  }

  async function answer(req: IncomingMessage): Promise<Answer> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const text = (body: string, status = 200): Answer => ({ status, body: Buffer.from(body), headers: { 'Content-Type': 'text/html; charset=UTF-8' } });
    if (url.pathname === '/ping' && (req.method === 'GET' || req.method === 'HEAD')) return text('Ok.\n');
    if (url.pathname !== '/') return text(`There is no handle ${url.pathname}\n\nUse / or /ping for health checks.\n`, 404);
    if (req.method !== 'GET' && req.method !== 'POST') throw new ClickHouseHttpError(1, 'HTTP_METHOD_NOT_ALLOWED', `Method ${req.method} is not allowed`);
    const urlQuery = url.searchParams.get('query');
    if (req.method === 'GET' && urlQuery === null) return text('Ok.\n');
    checkCredentials(credentialsOf(req, url.searchParams), expected);
    const body = await readBody(req);
    const query = urlQuery === null ? body : body === '' ? urlQuery : `${urlQuery}\n${body}`;
    if (query.trim() === '') throw new ClickHouseHttpError(62, 'SYNTAX_ERROR', 'Empty query');
    if (req.method === 'GET' && !isReadOnlyStatement(query)) throw new ClickHouseHttpError(164, 'READONLY', 'Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries');
    // A server runs one statement per request; chdb would run them all.
    if (!/^\s*INSERT\b/i.test(query) && splitSqlStatements(query, 'clickhouse').length > 1) throw new ClickHouseHttpError(62, 'SYNTAX_ERROR', 'Multi-statements are not allowed');
    const queryId = url.searchParams.get('query_id') ?? randomUUID();
    if (running.has(queryId)) throw new ClickHouseHttpError(216, 'QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING', `Query with id = ${queryId} is already running`);
    running.add(queryId);
    try {
      const result = await execute(query, url.searchParams, queryId);
      return { ...result, headers: { ...result.headers, 'X-ClickHouse-Query-Id': queryId } };
    } catch (error) {
      if (error instanceof ClickHouseHttpError) throw error;
      throw asClickHouseError(error, queryId);
    } finally {
      running.delete(queryId);
    }
  }

  const server = createServer((req, res) => {
    state.requests++;
    answer(req).then((result) => send(req, res, result), (error: unknown) => {
      const e = error instanceof ClickHouseHttpError ? error : asClickHouseError(error, undefined);
      const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(e.code) };
      if (e instanceof QueryError && e.queryId) headers['X-ClickHouse-Query-Id'] = e.queryId;
      send(req, res, { status: httpStatusOf(e.type), body: Buffer.from(errorBody(e.code, e.type, e.message, version)), headers });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await connection.close();
    await chdb.drainPending();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  const auth = expected.password === '' ? encodeURIComponent(expected.user) : `${encodeURIComponent(expected.user)}:${encodeURIComponent(expected.password)}`;
  let closing: Promise<void> | null = null;
  return {
    url: `clickhouse://${auth}@${host}:${port}/default`,
    port,
    get requests() {
      return state.requests;
    },
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await Promise.allSettled([...inFlight]);
        await connection.close();
        await chdb.drainPending();
      })();
      return closing;
    },
  };
}

class QueryError extends ClickHouseHttpError {
  constructor(code: number, type: string, message: string, readonly queryId: string | undefined) {
    super(code, type, message);
  }
}

// chdb's adapter throws @clickhouse/client-common's ClickHouseError (code as a string, type
// the exception name); anything else is an internal error of the endpoint.
function asClickHouseError(error: unknown, queryId: string | undefined): QueryError {
  const e = error as { code?: unknown; type?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const code = Number(e?.code);
  if (Number.isInteger(code) && code > 0 && typeof e.type === 'string') return new QueryError(code, e.type, message, queryId);
  const parsed = /^Code: (\d+)\. DB::Exception: ([\s\S]*?)(?: \(([A-Z_]+)\))?(?: \(version [^)]*\))?\s*$/.exec(message);
  if (parsed) return new QueryError(Number(parsed[1]), parsed[3] ?? '', parsed[2], queryId);
  return new QueryError(1001, 'STD_EXCEPTION', message, queryId);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || encoding === 'identity') return raw.toString('utf8');
  if (encoding === 'gzip') return gunzipSync(raw).toString('utf8');
  throw new ClickHouseHttpError(415, 'UNKNOWN_COMPRESSION_METHOD', `Unknown Content-Encoding of HTTP request: ${encoding}`);
}

// Compressed only when asked both ways, as the server does (enable_http_compression=1 and Accept-Encoding).
function send(req: IncomingMessage, res: ServerResponse, { status, body, headers }: Answer): void {
  const wantsGzip = new URL(req.url ?? '/', 'http://localhost').searchParams.get('enable_http_compression') === '1'
    && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const payload = wantsGzip ? gzipSync(body) : body;
  res.writeHead(status, { 'X-ClickHouse-Timezone': 'UTC', ...headers, ...(wantsGzip ? { 'Content-Encoding': 'gzip' } : {}), 'Content-Length': String(payload.length) });
  res.end(payload);
}
