// The one interface both engines implement. The migrator, the backfill executor and
// verify only ever talk to a Driver; engine differences live behind it, one small
// file per concern under drivers/clickhouse/ and drivers/postgres/ (goose-style).
import type { Engine } from '../target-url.js';
import { UsageError } from '../errors.js';

export type { Engine } from '../target-url.js';

/**
 * Values bound to `{name}` placeholders in SQL text. The same placeholder syntax is used
 * on both engines; each driver rewrites it into its own bound-parameter form
 * (ClickHouse typed query parameters `{name:Type}`, PostgreSQL `$n`). Values are never
 * spliced into the text. Only placeholders whose name is a key of the params object are
 * rewritten, so other braces in SQL (ClickHouse maps, JSON) are left alone.
 * Date → DateTime64(3,'UTC') / timestamptz, number → Int64 / numeric, string → String / text.
 */
export type QueryParams = Record<string, Date | string | number | bigint | boolean | null>;

export type Row = Record<string, unknown>;

/** What runs statements. A Driver is one; so is the transaction handle PostgreSQL gives out. */
export interface Executor {
  /** Runs one statement (or, on PostgreSQL without params, a whole script) and discards any result. */
  exec(sql: string, params?: QueryParams): Promise<void>;
  /** Runs a query and returns its rows as plain objects; 64-bit integers come back as JS numbers. */
  query<T extends Row = Row>(sql: string, params?: QueryParams): Promise<T[]>;
  /** The engine's own client, handed to TypeScript migrations (`@clickhouse/client` ClickHouseClient, or `pg` Client). */
  readonly client: unknown;
}

export type MigrationStatus = 'running' | 'applied' | 'failed' | 'reverted';

/** One row of `hourglass_migrations`: the latest known state of one version. */
export interface TrackingRow {
  version: number;
  name: string;
  /** SHA-256 (hex) over every file of the migration. */
  checksum: string;
  status: MigrationStatus;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  /** Redacted, truncated (see errors.shortError). */
  error: string | null;
  /** ClickHouse: how many statements of the up migration have completed (resume point). */
  statementsDone: number;
  runId: string;
  /** The `{cutover}` time substituted into the up migration at apply, if it used one. */
  cutover: Date | null;
  /** Who recorded this state by hand (`baseline`, `repair`): OS user or --by. Null or absent for apply. */
  recordedBy?: string | null;
  /** Why: the reason given to `baseline` or `repair`. Null or absent for apply. */
  reason?: string | null;
}

/** A scratch namespace on the target's own server (verify builds the expected schema in it). */
export interface ScratchRef {
  name: string;
  /** ClickHouse: always a database. PostgreSQL: a schema, or a database where a schema cannot isolate the migrations. */
  kind: 'database' | 'schema';
}

export interface ScratchSpace extends ScratchRef {
  /** Runs statements with the scratch as the current database (search_path on PostgreSQL). */
  readonly exec: Executor;
  /** Drops the scratch and closes what it opened. Idempotent. */
  drop(): Promise<void>;
}

export interface ScratchOptions {
  kind?: ScratchRef['kind'];
  /** Server-side limit of each statement run in the scratch (max_execution_time / statement_timeout). */
  statementTimeoutMs?: number;
}

/**
 * Server-side limits on the statements of one backfill window: the window cannot outlive the
 * invocation that runs it, and its statements can be found (and killed) by name afterwards.
 */
export interface StatementLimits {
  /** Longest any one statement may run on the server (ClickHouse max_execution_time, PostgreSQL statement_timeout). */
  timeLimitMs?: number;
  /** Names the statements: ClickHouse query_id prefix, PostgreSQL application_name. Letters, digits, `_.:-` only. */
  label?: string;
  /** PostgreSQL: run in a plain session, not a transaction (statements that refuse a transaction block); limits are set for the session and reset after. */
  outsideTransaction?: boolean;
}

export interface MigrationLock {
  release(): Promise<void>;
}

export interface Driver extends Executor {
  readonly engine: Engine;
  /** The target URL with its password masked: safe for logs and outputs. */
  readonly display: string;
  /** The database (ClickHouse database / PostgreSQL database) the driver works in. */
  readonly database: string;
  /** True when the engine can run a migration and its tracking row in one transaction. */
  readonly transactional: boolean;

  /** Quotes an identifier already checked by `assertIdentifier`. */
  quoteIdentifier(name: string): string;

  /**
   * Runs `fn` inside one transaction (PostgreSQL): committed when it resolves, rolled back
   * when it throws. ClickHouse has none and throws an OperationError: check `transactional`.
   */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;

  /**
   * Runs `fn` with statements that carry `limits` on the server. PostgreSQL: inside one
   * transaction with SET LOCAL statement_timeout (and the session named by the label).
   * ClickHouse: an executor whose every statement carries max_execution_time and a query id
   * `<label>:<n>`.
   */
  withStatementLimits<T>(limits: StatementLimits, fn: (exec: Executor) => Promise<T>): Promise<T>;

  /**
   * `exec` (the driver, or a transaction handle it gave out) with every statement limited on the
   * server by `limits()`, asked afresh before each statement, so the limit follows the time left
   * (Apply within a Lambda invocation). PostgreSQL: statement_timeout and application_name, local
   * to the transaction inside one, else for the session and reset after the statement.
   * ClickHouse: max_execution_time and the query id `<label>`.
   */
  limitStatements(exec: Executor, limits: () => StatementLimits): Executor;

  /**
   * Stops every statement whose label (StatementLimits.label) starts with `labelPrefix` and
   * returns once none is left: an earlier attempt of a window, abandoned by an invocation that
   * ended, must be gone before the window runs again. ClickHouse: KILL QUERY … SYNC on the
   * query_id; PostgreSQL: pg_cancel_backend by application_name (pg_terminate_backend for a
   * session left idle in its aborted transaction, whose locks would block the re-run).
   */
  cancelStatements(labelPrefix: string): Promise<void>;

  /** True when `error` is the server stopping a statement at its time limit. */
  isStatementTimeout(error: unknown): boolean;

  /** Splits a migration script into the statements the engine runs one by one. */
  splitStatements(sql: string): string[];

  /** Creates `hourglass_migrations` if it does not exist. */
  ensureTrackingTable(): Promise<void>;
  /** Latest state of every version, ordered by version; [] when the table does not exist (never creates it). */
  readTracking(): Promise<TrackingRow[]>;
  /** Records the current state of one version (an upsert in effect; on ClickHouse an appended row that wins by sequence). */
  writeTracking(row: TrackingRow, executor?: Executor): Promise<void>;

  /**
   * Takes the target's migration lock, waiting up to `timeoutMs`; throws LockBusyError after.
   * PostgreSQL: a session advisory lock. ClickHouse: a lease in DynamoDB (the driver is given the lease store).
   */
  acquireMigrationLock(owner: string, timeoutMs: number): Promise<MigrationLock>;

  /**
   * Creates the scratch `name` on the target's server and opens it. A missing privilege is a
   * ScratchUnavailableError naming it; nothing is left behind when opening fails.
   */
  openScratch(name: string, options?: ScratchOptions): Promise<ScratchSpace>;
  /** Scratch databases and schemas whose name starts with `prefix` (leftovers of a verify that was killed). */
  listScratch(prefix: string): Promise<ScratchRef[]>;
  dropScratch(ref: ScratchRef): Promise<void>;

  /**
   * Whether the target has TimescaleDB (the timescaledb extension is installed): detected, never
   * configured. One cheap query, kept per driver once true. ClickHouse: always false.
   */
  hasTimescaleDb(): Promise<boolean>;

  /** Closes connections and stops anything the driver started (an embedded server). Idempotent. */
  close(): Promise<void>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Identifiers (table, column, database names) from files or users are checked, never spliced unchecked. */
export function assertIdentifier(name: string, what = 'identifier'): string {
  if (!IDENTIFIER.test(name)) throw new UsageError(`invalid ${what} "${name}": letters, digits and _ only, starting with a letter or _`);
  return name;
}

/** A possibly database-qualified name `db.table` or `table`, each part checked. */
export function assertQualifiedName(name: string, what = 'table name'): string[] {
  const parts = name.split('.');
  if (parts.length > 2) throw new UsageError(`invalid ${what} "${name}"`);
  return parts.map((part) => assertIdentifier(part, what));
}
