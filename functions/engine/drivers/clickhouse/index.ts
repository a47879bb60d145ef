// The ClickHouse Driver: a server over HTTP or embedded chdb, both through one
// @clickhouse/client ClickHouseClient. Each concern lives in its own file next to this one.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Driver, Executor, MigrationLock, QueryParams, Row, ScratchOptions, StatementLimits, ScratchRef, ScratchSpace, TrackingRow } from '../driver.js';
import { assertIdentifier } from '../driver.js';
import type { LeaseProvider } from '../lease.js';
import { OperationError } from '../../errors.js';
import { splitSqlStatements } from '../../sql-split.js';
import { connectClickHouse, type ClickHouseTarget, type OpenedClient } from './connect.js';
import { clientExecutor } from './executor.js';
import { dropScratchDatabase, listScratchDatabases, openScratchDatabase } from './scratch.js';
import { cancelStatements, isStatementTimeout, limitedExecutor, perStatementExecutor } from './statement-limits.js';
import { acquireMigrationLease } from './lock.js';
import { SequenceClock, ensureTrackingTable, readTracking, writeTracking } from './tracking.js';

export interface ClickHouseDriverOptions {
  /** The store the migration lock lives in; without it acquireMigrationLock throws. */
  leases?: LeaseProvider;
}

export async function openClickHouse(target: ClickHouseTarget, options: ClickHouseDriverOptions = {}): Promise<Driver & { readonly client: ClickHouseClient }> {
  const opened = await connectClickHouse(target);
  return new ClickHouseDriver(target.display, opened, options.leases);
}

class ClickHouseDriver implements Driver {
  readonly engine = 'clickhouse' as const;
  readonly transactional = false;
  readonly database: string;
  readonly client: ClickHouseClient;
  /** The lease key: `chdb:<absolute dir>` or `clickhouse:<http url>/<database>`, never credentials. */
  readonly lockKey: string;
  private readonly clock = new SequenceClock();
  private readonly executor: Executor;
  private closing: Promise<void> | null = null;

  constructor(readonly display: string, private readonly opened: OpenedClient, private readonly leases: LeaseProvider | undefined) {
    this.client = opened.client;
    this.database = opened.database;
    this.lockKey = opened.lockKey;
    this.executor = clientExecutor(opened.client);
  }

  exec(sql: string, params?: QueryParams): Promise<void> {
    return this.executor.exec(sql, params);
  }

  query<T extends Row = Row>(sql: string, params?: QueryParams): Promise<T[]> {
    return this.executor.query<T>(sql, params);
  }

  quoteIdentifier(name: string): string {
    return `\`${assertIdentifier(name)}\``;
  }

  async transaction<T>(_fn: (tx: Executor) => Promise<T>): Promise<T> {
    throw new OperationError('ClickHouse has no transactions');
  }

  withStatementLimits<T>(limits: StatementLimits, fn: (exec: Executor) => Promise<T>): Promise<T> {
    return fn(limitedExecutor(this.client, limits));
  }

  /** No transactions on ClickHouse: `exec` is the driver itself, its statements go out on the client. */
  limitStatements(_exec: Executor, limits: () => StatementLimits): Executor {
    return perStatementExecutor(this.client, limits);
  }

  cancelStatements(labelPrefix: string): Promise<void> {
    return cancelStatements(this.client, labelPrefix);
  }

  isStatementTimeout(error: unknown): boolean {
    return isStatementTimeout(error);
  }

  splitStatements(sql: string): string[] {
    return splitSqlStatements(sql, 'clickhouse');
  }

  ensureTrackingTable(): Promise<void> {
    return ensureTrackingTable(this.client);
  }

  readTracking(): Promise<TrackingRow[]> {
    return readTracking(this.client);
  }

  /** `executor` is ignored: without transactions there is nothing to join. */
  writeTracking(row: TrackingRow, _executor?: Executor): Promise<void> {
    return writeTracking(this.client, this.clock, row);
  }

  acquireMigrationLock(owner: string, timeoutMs: number): Promise<MigrationLock> {
    return acquireMigrationLease(this.leases, this.lockKey, owner, timeoutMs);
  }

  openScratch(name: string, options?: ScratchOptions): Promise<ScratchSpace> {
    return openScratchDatabase(this.opened, this.display, name, options);
  }

  listScratch(prefix: string): Promise<ScratchRef[]> {
    return listScratchDatabases(this.opened, prefix);
  }

  dropScratch(ref: ScratchRef): Promise<void> {
    return dropScratchDatabase(this.opened, ref);
  }

  /** TimescaleDB is a PostgreSQL extension. */
  async hasTimescaleDb(): Promise<boolean> {
    return false;
  }

  close(): Promise<void> {
    this.closing ??= this.opened.close();
    return this.closing;
  }
}
