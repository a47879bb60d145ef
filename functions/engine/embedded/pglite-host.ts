// `pglite:<dir>`: the embedded TimescaleDB opened on <dir> for one process. One process owns a
// directory (PGlite is one backend in this process's memory; a second process opening the
// same files would corrupt them): the owner is recorded in `<dir>.owner` beside the data
// directory (PGlite refuses to initialise a directory that holds anything), `{pid}`, created
// exclusively, removed on close or at exit; a file whose pid is gone is stale and taken over.
// To share a directory, one process serves it (`hourglass serve --url pglite:DIR`).
import { existsSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { makeDirectories } from '../make-dirs.js';
import { basename, dirname, join } from 'node:path';
import { ConnectionError, UsageError, errorMessage } from '../errors.js';
import { startPgliteServer, type PgliteServer } from './pglite-server.js';

/** The PostgreSQL major version of the WASM build. */
const PG_MAJOR = '17';

export function ownerFile(dir: string): string {
  return join(dirname(dir), `${basename(dir)}.owner`);
}

/** Checks `dir`, takes it for this process and serves it on 127.0.0.1; close() lets it go. */
export async function startPgliteTarget(dir: string, options: { port?: number } = {}): Promise<PgliteServer> {
  assertUsableDir(dir);
  try {
    makeDirectories(dirname(dir));
  } catch (error) {
    throw new UsageError(`pglite: cannot create ${dirname(dir)}: ${errorMessage(error)}`);
  }
  const release = takeOwnership(dir);
  let server: PgliteServer;
  try {
    server = await startPgliteServer({ dataDir: dir, port: options.port });
  } catch (error) {
    release();
    if ((error as { code?: unknown }).code === 'EADDRINUSE') throw new UsageError(`port ${options.port} is already in use`);
    throw new UsageError(`pglite: cannot open ${dir} as an embedded TimescaleDB: ${errorMessage(error).split('\n')[0] || 'the engine stopped'}`, { cause: error });
  }
  return {
    ...server,
    async close() {
      try {
        await server.close();
      } finally {
        release();
      }
    },
  };
}

function assertUsableDir(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UsageError(`pglite: ${dir} is not a directory`);
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  if (!entries.includes('PG_VERSION')) throw new UsageError(`pglite: ${dir} is neither empty nor a PGlite data directory (no PG_VERSION)`);
  const version = readFileSync(join(dir, 'PG_VERSION'), 'utf8').trim();
  if (version !== PG_MAJOR) throw new UsageError(`pglite: ${dir} holds a PostgreSQL ${version} data directory; the embedded TimescaleDB is PostgreSQL ${PG_MAJOR}`);
}

function takeOwnership(dir: string): () => void {
  const file = ownerFile(dir);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify({ pid: process.pid })}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`pglite: cannot write ${file}: ${errorMessage(error)}`);
      const holder = holderPid(file);
      if (holder !== null && holder !== process.pid && alive(holder)) {
        throw new ConnectionError(`embedded TimescaleDB data directory ${dir} is in use by another process (pid ${holder}); share it with \`hourglass serve --url pglite:${dir}\``);
      }
      if (holder === process.pid) throw new ConnectionError(`embedded TimescaleDB data directory ${dir} is already open in this process`);
      if (attempt >= 2) throw new ConnectionError(`embedded TimescaleDB data directory ${dir}: cannot take over the stale ${file}`);
      try {
        unlinkSync(file); // stale: its process is gone
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (holderPid(file) === process.pid) unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return release;
}

function holderPid(file: string): number | null {
  try {
    const pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
    return Number.isInteger(pid) ? (pid as number) : null;
  } catch {
    return null; // unreadable or half-written: treated as stale after the retries
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
