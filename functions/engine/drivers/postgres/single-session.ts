// A PostgreSQL server that admits one client at a time (PGlite served over TCP): every session
// the driver would add waits until its main session ends, which it never does while the driver
// is open. So on such a server everything runs on the one session, one thing at a time:
//   - transactions (overlapping backfill windows) take turns on it (SessionGate);
//   - statements outside a transaction wait for the open one to end instead of landing in it;
//   - the migration lock is a turn of its own (a session advisory lock is re-entrant within a
//     session, so two Migrators on one session would both "get" it);
//   - a verify scratch schema is reached by switching search_path for each call and back.
// Nothing waits while holding a turn for another turn, so nothing can deadlock: a transaction
// started inside a transaction is refused by the driver, not queued.
import { LockBusyError, ScratchUnavailableError } from '../../errors.js';
import { assertIdentifier, type Executor, type MigrationLock, type QueryParams, type Row, type ScratchOptions, type ScratchSpace } from '../driver.js';
import { dropPostgresScratch, scratchSearchPath } from './scratch.js';
import { guardLiveObjects } from './scratch-guard.js';

/** One turn at a time on the session, in arrival order. */
export class SessionGate {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let done!: () => void;
    this.tail = new Promise<void>((resolve) => (done = resolve));
    await previous;
    try {
      return await fn();
    } finally {
      done();
    }
  }
}

/** The migration lock between Migrators of one driver: waits up to `timeoutMs` for the holder to release. */
export class InProcessLock {
  private held: Promise<void> | null = null;

  async acquire(display: string, timeoutMs: number): Promise<() => void> {
    const started = Date.now();
    while (this.held) {
      const left = timeoutMs - (Date.now() - started);
      if (left <= 0) throw new LockBusyError(`another apply in this process holds the migration lock of ${display} (waited ${Math.round((Date.now() - started) / 100) / 10}s)`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.held, new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.held = null;
      release();
    };
  }
}

export function lockWithTurn(lock: MigrationLock, releaseTurn: () => void): MigrationLock {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await lock.release();
      } finally {
        releaseTurn();
      }
    },
  };
}

/**
 * A scratch schema on the one session: each call takes a turn, sets search_path (and the
 * statement limit), runs, and resets them. PGlite has one database, so a scratch database is unavailable.
 */
export async function openSingleSessionScratch(executor: Executor, gate: SessionGate, display: string, name: string, options: ScratchOptions = {}, timescaleSchema: string | null = null): Promise<ScratchSpace> {
  assertIdentifier(name, 'scratch name');
  if ((options.kind ?? 'schema') === 'database') {
    throw new ScratchUnavailableError(`${display} serves one database (PGlite): verify can build the expected schema in a scratch schema only`, 'isolation');
  }
  await executor.exec(`CREATE SCHEMA ${name}`);
  const ref = { name, kind: 'schema' as const };
  const timeout = options.statementTimeoutMs === undefined ? null : Math.max(1, Math.floor(options.statementTimeoutMs));
  const scoped = <T>(fn: () => Promise<T>): Promise<T> =>
    gate.run(async () => {
      // Put back what the session had: RESET would give the server's startup value, which on PGlite is pg_catalog alone.
      const [saved] = await executor.query<{ path: string; timeout: string }>("SELECT current_setting('search_path') AS path, current_setting('statement_timeout') AS timeout");
      await executor.exec(`SET search_path TO ${scratchSearchPath(name, timescaleSchema)}${timeout === null ? '' : `; SET statement_timeout = ${timeout}`}`);
      try {
        return await fn();
      } finally {
        await executor.query("SELECT set_config('search_path', {path}, false), set_config('statement_timeout', {timeout}, false)", { path: saved!.path, timeout: saved!.timeout });
      }
    });
  const inner = timescaleSchema === null ? executor : guardLiveObjects(executor, name);
  const exec: Executor = {
    client: executor.client,
    exec: (sql: string, params?: QueryParams) => scoped(() => inner.exec(sql, params)),
    query: <T extends Row = Row>(sql: string, params?: QueryParams) => scoped(() => inner.query<T>(sql, params)),
  };
  let dropping: Promise<void> | undefined;
  return { ...ref, exec, drop: () => (dropping ??= gate.run(() => dropPostgresScratch(executor, ref))) };
}
