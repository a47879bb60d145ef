// The ClickHouse side of a backfill (drivers/backfill-dialect.ts): a DELETE is a mutation, so
// it is skipped for an empty range and confined to one partition where it can be; inserts can
// carry insert_deduplication_token; partitions can be swapped; a window index is integer
// arithmetic on epoch milliseconds.
import { OperationError, UsageError } from '../../errors.js';
import type { BackfillDefinition } from '../../backfill/definition.js';
import type { BackfillDialect } from '../backfill-dialect.js';
import { sourceTable } from '../backfill-source.js';
import type { Driver, Executor, QueryParams } from '../driver.js';
import { inWindow, qualifiedName, windowParams, type TimeSpan } from '../window-range.js';
import { toDate } from './backfill-time.js';
import { sortingKeyInfo, tableExists } from './introspect-basics.js';
import { bindParams } from './params.js';
import { assertPartitionAligned, replacePartitions, replacePartitionsStatements } from './replace-partition.js';

/** `scope`: ` IN PARTITION ID '<id>'` (a checked id), or '' for table-wide. */
function deleteSql(driver: Driver, def: BackfillDefinition, scope = ''): string {
  return `DELETE FROM ${qualifiedName(driver, def.target)}${scope} WHERE ${inWindow(driver, def.timeColumn)}`;
}

async function deleteRange(exec: Executor, driver: Driver, def: BackfillDefinition, span: TimeSpan, knownEmpty: boolean): Promise<void> {
  if (knownEmpty) return;
  const params = windowParams(span);
  // A DELETE is a mutation: skip it for an empty range, and confine it to the range's
  // partition when there is just one (several times faster than table-wide).
  const parts = await exec.query<{ p: string; n: number }>(`SELECT _partition_id AS p, count() AS n FROM ${qualifiedName(driver, def.target)} WHERE ${inWindow(driver, def.timeColumn)} GROUP BY p`, params);
  if (parts.length === 0) return;
  const scope = parts.length === 1 && /^[A-Za-z0-9_-]+$/.test(parts[0].p) ? ` IN PARTITION ID '${parts[0].p}'` : '';
  await exec.exec(deleteSql(driver, def, scope), params);
}

/** Appends a SETTINGS clause to an INSERT … SELECT (values are generated, not user text). */
function withSettings(statement: string, settings: Record<string, string>): string {
  const clause = Object.entries(settings).map(([k, v]) => `${k} = '${v.replace(/[^A-Za-z0-9:._-]/g, '')}'`).join(', ');
  return `${statement}\nSETTINGS ${clause}`;
}

function insertOnceSql(statement: string, token: string): string {
  return withSettings(statement, { insert_deduplication_token: token });
}

/**
 * A repeated insert (same insert_deduplication_token) is dropped only where the table keeps a
 * log of recent inserts: Replicated/Shared MergeTree always, a plain MergeTree only with
 * non_replicated_deduplication_window > 0. Elsewhere the token is ignored and a window run
 * twice silently doubles its rows, so the plan refuses it.
 */
async function assertDeduplicatingTarget(driver: Driver, def: BackfillDefinition): Promise<void> {
  const [db, name] = def.target.includes('.') ? def.target.split('.') : ['', def.target];
  const [table] = await driver.query<{ engine: string; engine_full: string }>(
    "SELECT engine, engine_full FROM system.tables WHERE database = if({db} = '', currentDatabase(), {db}) AND name = {name}",
    { db, name },
  );
  if (!table) throw new OperationError(`target table ${def.target} does not exist`);
  if (/^(Replicated|Shared)\w*MergeTree$/.test(table.engine)) return;
  const window = /\bnon_replicated_deduplication_window\s*=\s*(\d+)/.exec(table.engine_full);
  if (/MergeTree$/.test(table.engine) && window && Number(window[1]) > 0) return;
  throw new UsageError(`strategy dedup-token needs ${def.target} to deduplicate inserts, but it is ${table.engine} without non_replicated_deduplication_window: a window run twice would insert its rows twice (ALTER TABLE ${def.target} MODIFY SETTING non_replicated_deduplication_window = 1000, or use strategy delete)`);
}

async function timeColumnWarnings(driver: Driver, def: BackfillDefinition): Promise<string[]> {
  const source = sourceTable(def);
  if (!source) return [];
  const column = def.sourceTimeColumn ?? def.timeColumn;
  const info = await sortingKeyInfo(driver, source);
  if (!info) return [`source table ${source} does not exist yet`];
  const mentions = (expr: string) => new RegExp(`(^|[^A-Za-z0-9_])${column}([^A-Za-z0-9_]|$)`).test(expr);
  if (mentions(info.partitionKey) || (info.sortingKey[0] !== undefined && mentions(info.sortingKey[0]))) return [];
  return [`${source}.${column} is neither in the partition key (${info.partitionKey || 'none'}) nor a prefix of the sorting key (${info.sortingKey.join(', ') || 'none'}): every window will read the whole table, so the backfill reads it once per window (30–60× one statement on large tables).`];
}

export const clickhouseBackfillDialect: BackfillDialect = {
  windowBucket: (column, windowMs) => `intDiv(toUnixTimestamp64Milli(toDateTime64(${column}, 3, 'UTC')), ${Math.trunc(windowMs)})`,
  windowIndex: (bucket) => `toInt64(${bucket})`,
  int64: (expr) => `toInt64(${expr})`,
  deleteRange,
  deleteRangeStatement: (driver, def) => ({
    sql: deleteSql(driver, def),
    note: "skipped when the window holds no target rows; narrowed to IN PARTITION ID '<id>' (after the table name) when they all lie in one partition",
  }),
  async insertOnce(exec: Executor, statement: string, params: QueryParams, token: string) {
    await exec.exec(insertOnceSql(statement, token), params);
  },
  insertOnceStatement: insertOnceSql,
  assertDeduplicatingTarget,
  assertPartitionAligned,
  replacePartitions,
  replacePartitionsStatements,
  async assertRefreshable() {
    throw new UsageError('strategy refresh is for TimescaleDB continuous aggregates only (ClickHouse: delete, dedup-token or replace-partition)');
  },
  async refreshAggregate() {
    throw new OperationError('strategy refresh is for TimescaleDB only');
  },
  async refreshAggregateStatement() {
    throw new OperationError('strategy refresh is for TimescaleDB only');
  },
  bind(sql, params) {
    const { query, query_params } = bindParams(sql, params);
    return { sql: query, params: query_params };
  },
  explainFailure: async () => null,
  timeColumnWarnings,
  tableExists,
  async queryTime(driver, sql, round) {
    const rows = await driver.query(sql);
    return toDate(rows[0] ? Object.values(rows[0])[0] : null, round);
  },
};
