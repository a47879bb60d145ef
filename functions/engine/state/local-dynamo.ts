// A local DynamoDB API server (dynalite) inside this process, for the local runner and tests.
// In memory when no directory is given; on disk (LevelDB) when one is, so runs and windows
// survive the process. dynalite is loaded lazily: commands that need no state don't pay for it.
//
// Why the Level capture below: dynalite opens its LevelDB lazily and, when the directory is
// locked by another process, every later request throws an uncaught "Database is not open"
// from inside its HTTP handler. So we get hold of the LevelDB instance dynalite creates and
// wait for its open to settle before accepting any request; a LEVEL_LOCKED failure becomes a
// one-line LockBusyError instead of a crash.
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { LockBusyError, OperationError, UsageError, errorMessage } from '../errors.js';
import { makeDirectories } from '../make-dirs.js';

export interface LocalDynamo {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  close(): Promise<void>;
}

interface LevelLike {
  open(): Promise<void>;
  close(): Promise<void>;
}
type LevelClass = new (location: string, options?: unknown) => LevelLike;
type DynaliteFactory = (options: Record<string, unknown>) => Server;

interface Loaded {
  dynalite: DynaliteFactory;
  /** The LevelDB class dynalite uses, unpatched. */
  Level: LevelClass;
  /** False when dynalite was already loaded by someone else, so instances cannot be captured. */
  captures: boolean;
  lastLevel: { db: LevelLike | null };
}
let loaded: Loaded | undefined;

function loadDynalite(): Loaded {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const fromDynalite = createRequire(require.resolve('dynalite'));
  const levelModule = fromDynalite('level') as { Level: LevelClass };
  const captures = require.cache[fromDynalite.resolve('./db/index.js')] === undefined;
  const lastLevel: Loaded['lastLevel'] = { db: null };
  // dynalite's db module reads `Level` from this module when it is first loaded, so the
  // subclass must be in place before dynalite is required. It only records the instance.
  const Original = levelModule.Level;
  levelModule.Level = class CapturedLevel extends Original {
    constructor(location: string, options?: unknown) {
      super(location, options);
      lastLevel.db = this;
    }
  };
  const dynalite = require('dynalite') as DynaliteFactory;
  loaded = { dynalite, Level: Original, captures, lastLevel };
  return loaded;
}

function openFailure(dir: string, error: unknown): Error {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  if (cause?.code === 'LEVEL_LOCKED') return new LockBusyError(`state directory ${dir} is in use by another hourglass process`);
  return new OperationError(`cannot open state directory ${dir}: ${errorMessage(cause ?? error)}`, { cause: error });
}

export async function startLocalDynamo(opts: { dir?: string } = {}): Promise<LocalDynamo> {
  const { dynalite, Level, captures, lastLevel } = loadDynalite();
  const dir = opts.dir === undefined ? undefined : resolve(opts.dir);
  if (dir !== undefined) {
    try {
      makeDirectories(dir);
    } catch (error) {
      throw new UsageError(`cannot create state directory ${dir}: ${errorMessage(error)}`, { cause: error });
    }
  }
  if (dir !== undefined && !captures) {
    // Fallback when we could not patch dynalite: a trial open. Leaves a short race (another
    // process may take the directory between this check and dynalite's own open).
    const probe = new Level(dir);
    await probe.open().catch((error: unknown) => {
      throw openFailure(dir, error);
    });
    await probe.close();
  }

  lastLevel.db = null;
  // createTableMs 0: the table is ACTIVE at once; no verbose/debug: dynalite stays silent.
  const server = dynalite(dir === undefined ? { createTableMs: 0 } : { path: dir, createTableMs: 0 });
  const db = lastLevel.db as LevelLike | null;
  if (dir !== undefined && db !== null) {
    try {
      // Waits for dynalite's own (deferred) open; if that failed, tries once more so the
      // error carries its cause (a passive wait would drop it).
      await db.open();
    } catch (error) {
      await closeServer(server).catch(() => undefined); // the open failure is the error worth reporting
      throw openFailure(dir, error);
    }
  }

  trackRequests(server);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // Closing the LevelDB too frees the directory at once, so another process can take it over.
    close: () => (closing ??= closeServer(server).then(() => db?.close())),
  };
}

/** Requests being answered: closing the LevelDB under one makes dynalite throw outside any handler. */
const inFlight = new WeakMap<Server, Set<ServerResponse>>();

function trackRequests(server: Server): void {
  const open = new Set<ServerResponse>();
  inFlight.set(server, open);
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.once('close', () => open.delete(res));
  });
}

/** How long close waits for requests in flight (another terminal's read) before it cuts them. */
const DRAIN_MS = 3_000;

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolveClose, reject) => {
    server.close((error?: Error) => (error ? reject(new OperationError(`closing local DynamoDB: ${error.message}`)) : resolveClose()));
  });
  // Keep-alive sockets of SDK clients would otherwise hold the server (and the process) open:
  // idle ones go now, busy ones once their answer is written.
  server.closeIdleConnections();
  const open = inFlight.get(server);
  for (let waited = 0; open && open.size > 0 && waited < DRAIN_MS; waited += 10) await new Promise((r) => setTimeout(r, 10));
  server.closeAllConnections();
  await closed;
}
