// A bench-only ClickHouse HTTP interface over embedded ClickHouse (chdb has no HTTP server),
// on 127.0.0.1, so a peer tool that speaks only HTTP (clickhouse-migrations) and hourglass
// with a clickhouse:// URL can both run against the SAME embedded database. It implements
// just what @clickhouse/client sends: GET /ping, POST / with the query in the body (or, for
// an INSERT, in the `query` URL parameter with the rows in the body), `param_<name>` query
// parameters and settings as URL parameters. Each request runs through chdb's own
// Connection adapter (chdb/connection), the one hourglass uses for `chdb:` targets.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { createChdbConnection as CreateChdbConnection } from 'chdb/connection';

const require = createRequire(import.meta.url);
const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'session_id', 'role', 'default_format']);

export interface ChdbHttpServer {
  url: string;
  /** Requests served (a cost both tools pay alike). */
  requests: number;
  close(): Promise<void>;
}

export async function startChdbHttp(dir: string): Promise<ChdbHttpServer> {
  const { createChdbConnection } = require('chdb/connection') as { createChdbConnection: typeof CreateChdbConnection };
  const connection = createChdbConnection({ path: dir });
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const started = performance.now();
    handle(req)
      .then(({ status, body, headers }) => {
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8', ...headers });
        res.end(body);
        if (process.env.BENCH_SHIM_LOG) process.stderr.write(`shim ${(performance.now() - started).toFixed(1)} ms ${req.url?.slice(0, 80)}\n`);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        const code = /Code: (\d+)/.exec(message)?.[1] ?? '1000';
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': code });
        res.end(message.startsWith('Code:') ? message : `Code: ${code}. DB::Exception: ${message}`);
      });
  });

  async function handle(req: IncomingMessage): Promise<{ status: number; body: Buffer | string; headers?: Record<string, string> }> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/ping') return { status: 200, body: 'Ok.\n' };
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const urlQuery = url.searchParams.get('query');
    const query = urlQuery === null ? body : `${urlQuery}\n${body}`;
    const query_params: Record<string, string> = {};
    const clickhouse_settings: Record<string, string | number> = {};
    for (const [key, value] of url.searchParams) {
      if (key.startsWith('param_')) query_params[key.slice(6)] = value;
      else if (!NOT_SETTINGS.has(key)) clickhouse_settings[key] = /^-?\d+$/.test(value) ? Number(value) : value;
    }
    const result = await connection.exec({ query, query_params, clickhouse_settings } as never);
    const out: Buffer[] = [];
    for await (const chunk of (result as unknown as { stream: AsyncIterable<Buffer> }).stream) out.push(chunk);
    const summary = (result as unknown as { summary?: unknown }).summary;
    return { status: 200, body: Buffer.concat(out), headers: { 'X-ClickHouse-Summary': JSON.stringify(summary ?? {}) } };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
      await (require('chdb') as { drainPending(): Promise<void> }).drainPending();
    },
  };
}
