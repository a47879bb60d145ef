// serve: a ClickHouse HTTP endpoint over an embedded `chdb:` database, so any ClickHouse
// client (and hourglass itself with the printed clickhouse:// URL) reaches it over the
// network. Prints the URL as the one line on stdout, then serves until SIGINT or SIGTERM.
import { UsageError, errorMessage } from '../../engine/errors.js';
import { integerArg } from '../args.js';
import type { CliContext } from '../context.js';

export async function serveCommand(ctx: CliContext): Promise<number> {
  const port = integerArg(ctx.args.options.port, '--port', { min: 0, max: 65535 }) ?? 0;
  if (ctx.target.engine === 'postgres' && ctx.target.kind === 'pglite') return servePglite(ctx, ctx.target.dir, port);
  if (ctx.target.engine !== 'clickhouse' || ctx.target.kind !== 'embedded') {
    throw new UsageError(`serve needs an embedded URL (--url chdb:DIR or pglite:DIR), got ${ctx.target.display}`);
  }
  const { startChdbHttp } = await import('../../engine/embedded/chdb-http.js');
  const server = await startChdbHttp(ctx.target.dir, { port }).catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use`);
    if (code === 'EACCES') throw new UsageError(`port ${port} may not be opened by this user`);
    throw error;
  });
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  ctx.io.out(ctx.json ? JSON.stringify({ url: server.url }) : server.url);
  ctx.io.err(`serving ${ctx.target.display} on 127.0.0.1:${server.port}; stop with Ctrl-C`);
  const signal = await stopped;
  try {
    await server.close();
  } catch (error) {
    ctx.io.err(`error: while closing after ${signal}: ${errorMessage(error)}`);
    return 1;
  }
  ctx.io.err(`stopped (${signal}) after ${server.requests} request${server.requests === 1 ? '' : 's'}`);
  return 0;
}

/** The embedded TimescaleDB over the PostgreSQL wire protocol: one client at a time, the others wait their turn. */
async function servePglite(ctx: CliContext, dir: string, port: number): Promise<number> {
  const { startPgliteTarget } = await import('../../engine/embedded/pglite-host.js');
  const server = await startPgliteTarget(dir, { port });
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  ctx.io.out(ctx.json ? JSON.stringify({ url: server.url }) : server.url);
  ctx.io.err(`serving ${ctx.target.display} on 127.0.0.1:${server.port} (one client at a time); stop with Ctrl-C`);
  const signal = await stopped;
  await server.close();
  ctx.io.err(`stopped (${signal})`);
  return 0;
}
