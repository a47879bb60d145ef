// What a backfill needs of an engine beyond running statements: how to empty a time range
// before an insert, how to tag an insert so a repeat is dropped, how to swap partitions,
// which window a row falls in (for counts grouped by window), what to warn about at plan
// time, and how to read a time a query returns. Everything in backfill/ talks to this one
// interface; each engine implements it in its own room (clickhouse/backfill-dialect.ts,
// postgres/backfill-dialect.ts).
import type { BackfillDefinition } from '../backfill/definition.js';
import type { Driver, Executor, QueryParams } from './driver.js';
import type { TimeSpan } from './window-range.js';
import { clickhouseBackfillDialect } from './clickhouse/backfill-dialect.js';
import { postgresBackfillDialect } from './postgres/backfill-dialect.js';

/** One statement a window runs, as `plan --sql` shows it: `{name}` placeholders in the text, values apart. */
export interface PlannedStatement {
  sql: string;
  params: QueryParams;
  /** When it runs, if not always once (skipped for an empty window, once per partition…). */
  note?: string;
}

/** A statement as the engine receives it: its own placeholder form, and the values bound to it. */
export interface BoundStatement {
  sql: string;
  params: Record<string, unknown>;
}

export interface BackfillDialect {
  /**
   * SQL naming the window a row falls in, cheap per row (it runs on every counted row), of any
   * type; `column` is already quoted (or a checked reference). windowIndex turns it into the index.
   */
  windowBucket(column: string, windowMs: number): string;
  /** SQL for the window index of a windowBucket value: floor(epoch ms / windowMs), a 64-bit integer (run once per window, not per row). */
  windowIndex(bucket: string, windowMs: number): string;
  /** `expr` cast to a 64-bit signed integer (branches of a UNION ALL must agree on types). */
  int64(expr: string): string;
  /**
   * Removes the target's rows in `span` before the insert of the delete strategy. `knownEmpty`:
   * the range is known to be empty (an engine where a delete is costly skips it).
   */
  deleteRange(exec: Executor, driver: Driver, def: BackfillDefinition, span: TimeSpan, knownEmpty: boolean): Promise<void>;
  /** The DELETE deleteRange runs (its bounds `{window_start}`/`{window_end}`), and when it is skipped or narrowed. */
  deleteRangeStatement(driver: Driver, def: BackfillDefinition): { sql: string; note?: string };
  /** Runs one INSERT tagged with `token`: the engine drops a repeat of the same token (dedup-token). */
  insertOnce(exec: Executor, statement: string, params: QueryParams, token: string): Promise<void>;
  /** The statement insertOnce runs. */
  insertOnceStatement(statement: string, token: string): string;
  /** Plan-time: the target drops repeated inserts (dedup-token), or a UsageError saying why not. */
  assertDeduplicatingTarget(driver: Driver, def: BackfillDefinition): Promise<void>;
  /** Plan-time: every window is exactly one partition of the target (replace-partition), or a UsageError. */
  assertPartitionAligned(driver: Driver, def: BackfillDefinition): Promise<void>;
  /**
   * replace-partition: builds `span` in a staging table named after `stagingKey`, then makes
   * every target partition of the span equal to the staged one (swapped in, or dropped when
   * the span left it empty).
   */
  replacePartitions(exec: Executor, driver: Driver, def: BackfillDefinition, span: TimeSpan, stagingKey: string): Promise<void>;
  /** The statements replacePartitions runs over `span`, in order. */
  replacePartitionsStatements(driver: Driver, def: BackfillDefinition, span: TimeSpan, stagingKey: string): PlannedStatement[];
  /** Plan-time (refresh, TimescaleDB): the target is a continuous aggregate and every window covers whole buckets on their grid, or a UsageError. */
  assertRefreshable(driver: Driver, def: BackfillDefinition): Promise<void>;
  /** refresh: refreshes the aggregate over `span`; runs outside any transaction (`exec` is a session, not a transaction). */
  refreshAggregate(exec: Executor, driver: Driver, def: BackfillDefinition, span: TimeSpan): Promise<void>;
  /** The CALL refreshAggregate runs over `span` (reads the aggregate's time type; nothing is written). */
  refreshAggregateStatement(driver: Driver, def: BackfillDefinition, span: TimeSpan): Promise<PlannedStatement>;
  /** `sql` with `params` as this engine is sent them: its placeholder form, its bound values (never spliced into the text). */
  bind(sql: string, params: QueryParams): BoundStatement;
  /** A window's final error said so the operator knows what to do (PostgreSQL: a compressed TimescaleDB chunk), or null to keep it as it is. */
  explainFailure(driver: Driver, def: BackfillDefinition, span: TimeSpan, error: unknown): Promise<Error | null>;
  /** Plan-time warnings about the source's time column (no index, not in the sorting key). */
  timeColumnWarnings(driver: Driver, def: BackfillDefinition): Promise<string[]>;
  /** Plan-time: `table` (`table` or `db.table` / `schema.table`) exists, e.g. the backfill's target. */
  tableExists(driver: Driver, table: string): Promise<boolean>;
  /** The time the first column of `sql`'s first row holds, to the millisecond; null for none. `ceil` rounds sub-millisecond digits up (an exclusive end). */
  queryTime(driver: Driver, sql: string, round: 'floor' | 'ceil'): Promise<Date | null>;
}

export function backfillDialect(driver: Pick<Driver, 'engine'>): BackfillDialect {
  return driver.engine === 'postgres' ? postgresBackfillDialect : clickhouseBackfillDialect;
}
