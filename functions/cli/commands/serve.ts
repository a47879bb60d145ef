// serve: a ClickHouse HTTP endpoint over an embedded `chdb:` database, so any ClickHouse
// client (and hourglass itself with the printed clickhouse:// URL) reaches it over the
// network. Prints the URL as the one line on stdout, then serves until SIGINT or SIGTERM.
import { UsageError, errorMessage } from '../../engine/errors.js';
import { integerArg } from '../args.js';
import type { CliContext } from '../context.js';

export async function serveCommand(ctx: CliContext): Promise<number> {
  if (ctx.target.engine !== 'clickhouse' || ctx.target.kind !== 'embedded') {
    throw new UsageError(`serve needs an embedded ClickHouse URL (--url chdb:DIR), got ${ctx.target.display}`);
  }
  const port = integerArg(ctx.args.options.port, '--port', { min: 0, max: 65535 }) ?? 0;
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
