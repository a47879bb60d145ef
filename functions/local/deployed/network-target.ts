// A target as the deployed functions reach it: over the network, as in AWS. A `chdb:` target
// is served through the ClickHouse HTTP endpoint over the embedded database (with a password,
// so the secret is a real credential); `pg-embedded:` is started and reached on its TCP port;
// `pglite:` (the embedded TimescaleDB) is served on 127.0.0.1 as `hourglass serve` serves it;
// server URLs are used as they are.
import { randomBytes } from 'node:crypto';
import { EMBEDDED_DATABASE } from '../../engine/embedded/postgres-server.js';
import type { TargetUrl } from '../../engine/target-url.js';

export interface NetworkTarget {
  /** clickhouse://… or postgres://… (holds a password: registered for redaction). */
  url: string;
  close(): Promise<void>;
}

export async function serveOverNetwork(target: TargetUrl, urlText: string): Promise<NetworkTarget> {
  if (target.engine === 'clickhouse' && target.kind === 'embedded') {
    const { startChdbHttp } = await import('../../engine/embedded/chdb-http.js');
    const server = await startChdbHttp(target.dir, { user: 'hourglass', password: randomBytes(12).toString('hex') });
    return { url: server.url, close: () => server.close() };
  }
  if (target.engine === 'postgres' && target.kind === 'embedded') {
    const { startEmbeddedPostgres } = await import('../../engine/embedded/postgres-server.js');
    const server = await startEmbeddedPostgres(target.dir);
    return { url: server.connectionString(EMBEDDED_DATABASE), close: () => server.stop() };
  }
  if (target.engine === 'postgres' && target.kind === 'pglite') {
    const { startPgliteTarget } = await import('../../engine/embedded/pglite-host.js');
    const server = await startPgliteTarget(target.dir);
    return { url: server.url, close: () => server.close() };
  }
  return { url: urlText, close: async () => undefined };
}
