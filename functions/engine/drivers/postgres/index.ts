// The PostgreSQL Driver: one `pg` Client (one session) for statements, transactions,
// the tracking table and the advisory migration lock. A transaction that starts while
// another is open (parallel backfill windows) runs on a session of its own.
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { OperationError } from '../../errors.js';
import { splitSqlStatements } from '../../sql-split.js';
import { assertIdentifier, type Driver, type Executor, type MigrationLock, type QueryParams, type Row, type ScratchOptions, type StatementLimits, type ScratchRef, type ScratchSpace, type TrackingRow } from '../driver.js';
import { connectPostgres, type PostgresTarget } from './connect.js';
import { acquireAdvisoryLock } from './lock.js';
import { bindParams } from './params.js';
import { applyLimits, cancelStatements, isStatementTimeout, limitedStatements } from './statement-limits.js';
import { dropPostgresScratch, listPostgresScratch, openPostgresScratch } from './scratch.js';
import { withSessionLimits } from './session-limits.js';
import { timescaleSchema } from './timescale-catalog.js';
import { ensureTrackingTable, readTracking, writeTracking } from './tracking.js';
import { InProcessLock, SessionGate, lockWithTurn, openSingleSessionScratch } from './single-session.js';

export type { PostgresTarget } from './connect.js';
export { countRows, tableExists, timeColumnIndexed } from './introspect.js';

export async function openPostgres(target: PostgresTarget): Promise<Driver> {
  const connection = await connectPostgres(target);
  return new PostgresDriver(target, connection.client, connection.server, connection.openSession, connection.singleSession);
}

/** Runs statements on one client: `{name}` placeholders become `$n`; without params a whole script runs as one simple query. */
export function clientExecutor(client: pg.Client): Executor {
  async function run(sql: string, params?: QueryParams): Promise<pg.QueryResult[]> {
    if (params === undefined) {
      const result = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
      return Array.isArray(result) ? result : [result];
    }
    const bound = bindParams(sql, params);
    return [await client.query(bound.text, bound.values)];
  }
  return {
    client,
    async exec(sql, params) {
      await run(sql, params);
    },
    async query<T extends Row = Row>(sql: string, params?: QueryParams): Promise<T[]> {
      const results = await run(sql, params);
      // A multi-statement script answers with one result per statement: the last one is the query's.
      return (results.at(-1)?.rows ?? []) as T[];
    },
  };
}

class PostgresDriver implements Driver {
  readonly engine = 'postgres' as const;
  readonly transactional = true;
  readonly display: string;
  readonly database: string;
  private readonly executor: Executor;
  private inTransaction = false;
  /** Marks the async context of a running transaction, to refuse a nested one. */
  private readonly insideTransaction = new AsyncLocalStorage<true>();
  /** Idle extra sessions, and all of them (to end on close). */
  private readonly idleSessions: pg.Client[] = [];
  private readonly sessions = new Set<pg.Client>();
  private closing: Promise<void> | undefined;
  /** Single-session servers (PGlite): turns on the one session, and the in-process migration lock. */
  private readonly gate = new SessionGate();
  private readonly migrationTurn = new InProcessLock();
  private timescale: Promise<boolean> | undefined;

  constructor(
    target: PostgresTarget,
    readonly client: pg.Client,
    private readonly server: { stop(): Promise<void> } | null,
    private readonly openSession: (database?: string) => Promise<pg.Client>,
    /** The server admits one client at a time: never open a second session (single-session.ts). */
    readonly singleSession = false,
  ) {
    this.display = target.display;
    this.database = target.database;
    this.executor = clientExecutor(client);
  }

  exec(sql: string, params?: QueryParams): Promise<void> {
    this.assertOpen();
    return this.onSession(() => this.executor.exec(sql, params));
  }

  query<T extends Row = Row>(sql: string, params?: QueryParams): Promise<T[]> {
    this.assertOpen();
    return this.onSession(() => this.executor.query<T>(sql, params));
  }

  /** Single session: a statement from outside the open transaction waits for it instead of landing in it. */
  private onSession<T>(fn: () => Promise<T>): Promise<T> {
    return this.singleSession && !this.insideTransaction.getStore() ? this.gate.run(fn) : fn();
  }

  /** Whether the timescaledb extension is installed (one query; a yes is kept, a no asked again, since a migration may create it). */
  hasTimescaleDb(): Promise<boolean> {
    this.assertOpen();
    this.timescale ??= this.query<{ installed: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed").then(
      ([row]) => {
        if (row?.installed !== true) this.timescale = undefined;
        return row?.installed === true;
      },
      (error: unknown) => {
        this.timescale = undefined;
        throw error;
      },
    );
    return this.timescale;
  }

  quoteIdentifier(name: string): string {
    return `"${assertIdentifier(name)}"`;
  }

  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    this.assertOpen();
    // A nested call would silently join (or, on another session, wait on) the outer one: refuse it.
    if (this.insideTransaction.getStore()) throw new OperationError(`a transaction is already open on ${this.display}`);
    if (this.singleSession) {
      // One session: overlapping transactions take turns on it rather than wait for a session that never comes.
      return this.gate.run(() => this.insideTransaction.run(true, () => runTransaction(this.executor, fn, () => undefined)));
    }
    if (!this.inTransaction) {
      this.inTransaction = true;
      try {
        return await this.insideTransaction.run(true, () => runTransaction(this.executor, fn, () => undefined));
      } finally {
        this.inTransaction = false;
      }
    }
    // One session holds one transaction: an overlapping one (a parallel backfill window) gets
    // an extra session, kept for the next overlap and ended on close.
    const session = this.idleSessions.pop() ?? (await this.newSession());
    let healthy = true;
    try {
      return await this.insideTransaction.run(true, () => runTransaction(clientExecutor(session), fn, () => (healthy = false)));
    } finally {
      if (healthy && !this.closing) this.idleSessions.push(session);
      else {
        this.sessions.delete(session);
        await session.end().catch(() => undefined); // already broken or closing: nothing to report
      }
    }
  }

  withStatementLimits<T>(limits: StatementLimits, fn: (exec: Executor) => Promise<T>): Promise<T> {
    if (limits.outsideTransaction) return this.outsideTransaction(limits, fn);
    return this.transaction(async (tx) => {
      await applyLimits(tx, limits);
      return fn(tx);
    });
  }

  /** Like transaction()'s choice of session (the main one when free, else an extra one), without BEGIN. */
  private async outsideTransaction<T>(limits: StatementLimits, fn: (exec: Executor) => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.singleSession) {
      // One session: take the same turn a transaction takes, so a refresh never waits on a second connection.
      if (this.insideTransaction.getStore()) throw new OperationError(`a transaction is already open on ${this.display}`);
      return this.gate.run(() => this.insideTransaction.run(true, () => withSessionLimits(this.executor, limits, fn, () => undefined)));
    }
    if (!this.inTransaction && !this.insideTransaction.getStore()) {
      this.inTransaction = true;
      try {
        return await withSessionLimits(this.executor, limits, fn, () => undefined);
      } finally {
        this.inTransaction = false;
      }
    }
    const session = this.idleSessions.pop() ?? (await this.newSession());
    let healthy = true;
    try {
      return await withSessionLimits(clientExecutor(session), limits, fn, () => (healthy = false));
    } finally {
      if (healthy && !this.closing) this.idleSessions.push(session);
      else {
        this.sessions.delete(session);
        await session.end().catch(() => undefined);
      }
    }
  }

  limitStatements(exec: Executor, limits: () => StatementLimits): Executor {
    return limitedStatements(exec, limits, () => this.insideTransaction.getStore() === true);
  }

  cancelStatements(labelPrefix: string): Promise<void> {
    return cancelStatements(this.executor, labelPrefix);
  }

  isStatementTimeout(error: unknown): boolean {
    return isStatementTimeout(error);
  }

  private async newSession(): Promise<pg.Client> {
    const session = await this.openSession();
    this.sessions.add(session);
    return session;
  }

  splitStatements(sql: string): string[] {
    return splitSqlStatements(sql, 'postgres');
  }

  ensureTrackingTable(): Promise<void> {
    this.assertOpen();
    return ensureTrackingTable(this);
  }

  readTracking(): Promise<TrackingRow[]> {
    this.assertOpen();
    return readTracking(this);
  }

  writeTracking(row: TrackingRow, executor?: Executor): Promise<void> {
    this.assertOpen();
    return writeTracking(executor ?? this, row);
  }

  async acquireMigrationLock(owner: string, timeoutMs: number): Promise<MigrationLock> {
    this.assertOpen();
    if (this.singleSession) {
      const releaseTurn = await this.migrationTurn.acquire(this.display, timeoutMs);
      try {
        const held = await this.onSession(() => acquireAdvisoryLock(this.executor, this.display, owner, timeoutMs));
        return lockWithTurn({ release: () => (this.closing ? Promise.resolve() : this.onSession(() => held.release())) }, releaseTurn);
      } catch (error) {
        releaseTurn();
        throw error;
      }
    }
    const lock = await acquireAdvisoryLock(this.executor, this.display, owner, timeoutMs);
    return {
      // After close() the session, and with it the lock, is already gone.
      release: () => (this.closing ? Promise.resolve() : lock.release()),
    };
  }

  async openScratch(name: string, options?: ScratchOptions): Promise<ScratchSpace> {
    this.assertOpen();
    // TimescaleDB objects in the scratch need the extension's functions (scratch.ts).
    const timescale = (await this.hasTimescaleDb()) ? await this.onSession(() => timescaleSchema(this.executor)) : null;
    if (this.singleSession) return openSingleSessionScratch(this.executor, this.gate, this.display, name, options, timescale);
    const host = { display: this.display, database: this.database, executor: this.executor, openSession: this.openSession, clientExecutor };
    return openPostgresScratch(host, name, options, timescale);
  }

  listScratch(prefix: string): Promise<ScratchRef[]> {
    this.assertOpen();
    return listPostgresScratch(this, prefix);
  }

  dropScratch(ref: ScratchRef): Promise<void> {
    this.assertOpen();
    return dropPostgresScratch(this, ref);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await Promise.all([...this.sessions].map((session) => session.end().catch(() => undefined)));
        await this.client.end();
      } finally {
        await this.server?.stop();
      }
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new OperationError(`the connection to ${this.display} is closed`);
  }
}

/** BEGIN, fn, COMMIT; ROLLBACK when fn throws (`broken` is told when even that fails). */
async function runTransaction<T>(executor: Executor, fn: (tx: Executor) => Promise<T>, broken: () => void): Promise<T> {
  await executor.exec('BEGIN');
  let result: T;
  try {
    result = await fn(executor);
  } catch (error) {
    // A failed ROLLBACK (connection lost) ends the transaction anyway; the cause is the error to report.
    await executor.exec('ROLLBACK').catch(broken);
    throw error;
  }
  await executor.exec('COMMIT');
  return result;
}
