// Small questions about a ClickHouse table, asked when planning a backfill: does it exist,
// how many rows fall in a window, and is its time column where ClickHouse can use it
// (a prefix of the sorting key, or the partition key) so windowed reads stay cheap.
import type { Driver } from '../driver.js';
import { assertQualifiedName } from '../driver.js';
import { countInWindow } from '../window-range.js';
import { splitTopLevel } from '../../sql-split.js';

export interface SortingKeyInfo {
  /** Expressions of the sorting key, in order, e.g. ['ServiceName', 'toStartOfHour(Timestamp)']. */
  sortingKey: string[];
  /** The partition key expression, '' when the table has none. */
  partitionKey: string;
  /** Table engine, e.g. 'MergeTree', 'ReplacingMergeTree', 'MaterializedView'. */
  engine: string;
}

/** `table` or `db.table`; without a database, the driver's current one. */
function tableFilter(table: string): { sql: string; params: { db?: string; table: string } } {
  const parts = assertQualifiedName(table);
  if (parts.length === 2) return { sql: 'database = {db} AND name = {table}', params: { db: parts[0]!, table: parts[1]! } };
  return { sql: 'database = currentDatabase() AND name = {table}', params: { table: parts[0]! } };
}

export async function tableExists(driver: Driver, table: string): Promise<boolean> {
  const { sql, params } = tableFilter(table);
  const rows = await driver.query<{ n: number }>(`SELECT count() AS n FROM system.tables WHERE ${sql}`, params);
  return Number(rows[0]?.n ?? 0) > 0;
}

/** Rows with `start <= timeColumn < end`. */
export function countRows(driver: Driver, table: string, timeColumn: string, start: Date, end: Date): Promise<number> {
  return countInWindow(driver, driver, table, timeColumn, { start, end });
}

/** null when the table does not exist. */
export async function sortingKeyInfo(driver: Driver, table: string): Promise<SortingKeyInfo | null> {
  const { sql, params } = tableFilter(table);
  const rows = await driver.query<{ sorting_key: string; partition_key: string; engine: string }>(
    `SELECT sorting_key, partition_key, engine FROM system.tables WHERE ${sql}`, params);
  const row = rows[0];
  if (!row) return null;
  return { sortingKey: splitTopLevel(row.sorting_key), partitionKey: row.partition_key, engine: row.engine };
}

