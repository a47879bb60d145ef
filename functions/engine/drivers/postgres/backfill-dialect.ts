// The PostgreSQL side of a backfill (drivers/backfill-dialect.ts): a window runs in one
// transaction, so `delete` is a plain DELETE then the INSERT; there are no insert tokens and
// no partition swaps (those strategies are refused at plan time); a window index is
// arithmetic on the epoch; a time is read as its exact epoch text.
import { OperationError, UsageError } from '../../errors.js';
import type { BackfillDialect } from '../backfill-dialect.js';
import { sourceTable } from '../backfill-source.js';
import { inWindow, qualifiedName, windowParams } from '../window-range.js';
import { tableExists, timeColumnIndexed } from './introspect.js';
import { compressedChunkError } from './compressed-chunks.js';
import { assertRefreshable, refreshAggregate, refreshAggregateStatement } from './refresh-aggregate.js';
import { bindParams } from './params.js';
import type { BackfillDefinition } from '../../backfill/definition.js';
import type { Driver } from '../driver.js';

/** '1709251200.1234567' (seconds, as extract(epoch) prints it) → a Date, rounded to the millisecond. */
function epochToDate(text: string | null, round: 'floor' | 'ceil'): Date | null {
  if (text === null) return null;
  const match = /^(-?\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) {
    const at = new Date(text);
    return Number.isNaN(at.getTime()) || at.getTime() <= 0 ? null : at;
  }
  const fraction = match[2] ?? '';
  const ms = Number(match[1]) * 1000 + Number(fraction.slice(0, 3).padEnd(3, '0')) + (round === 'ceil' && /[1-9]/.test(fraction.slice(3)) ? 1 : 0);
  return ms <= 0 ? null : new Date(ms);
}

function deleteSql(driver: Driver, def: BackfillDefinition): string {
  return `DELETE FROM ${qualifiedName(driver, def.target)} WHERE ${inWindow(driver, def.timeColumn)}`;
}

export const postgresBackfillDialect: BackfillDialect = {
  // date_bin per row, the numeric epoch arithmetic once per window: extract(epoch) is numeric
  // since PostgreSQL 14, and per row it made the grouped count 2.8× slower (bench/RESULTS.md).
  windowBucket: (column, windowMs) => `date_bin(interval '${Math.trunc(windowMs)} milliseconds', ${column}, timestamptz '1970-01-01 00:00:00+00')`,
  windowIndex: (bucket, windowMs) => `floor(extract(epoch FROM ${bucket}) * 1000 / ${Math.trunc(windowMs)})::bigint`,
  int64: (expr) => `(${expr})::bigint`,
  async deleteRange(exec, driver, def, span) {
    await exec.exec(deleteSql(driver, def), windowParams(span));
  },
  deleteRangeStatement: (driver, def) => ({ sql: deleteSql(driver, def) }),
  async insertOnce() {
    throw new OperationError('strategy dedup-token is for ClickHouse only');
  },
  insertOnceStatement() {
    throw new OperationError('strategy dedup-token is for ClickHouse only');
  },
  async assertDeduplicatingTarget() {
    throw new UsageError('strategy dedup-token is for ClickHouse only (PostgreSQL uses delete, in one transaction)');
  },
  async assertPartitionAligned() {
    throw new UsageError('strategy replace-partition is for ClickHouse only');
  },
  async replacePartitions() {
    throw new OperationError('strategy replace-partition is for ClickHouse only');
  },
  replacePartitionsStatements() {
    throw new OperationError('strategy replace-partition is for ClickHouse only');
  },
  assertRefreshable,
  refreshAggregate,
  refreshAggregateStatement,
  bind(sql, params) {
    const { text, values } = bindParams(sql, params);
    return { sql: text, params: Object.fromEntries(values.map((v, i) => [`$${i + 1}`, v])) };
  },
  explainFailure: compressedChunkError,
  async timeColumnWarnings(driver, def) {
    const source = sourceTable(def);
    if (!source) return [];
    const column = def.sourceTimeColumn ?? def.timeColumn;
    if (!(await tableExists(driver, source))) return [`source table ${source} does not exist yet`];
    if (await timeColumnIndexed(driver, source, column)) return [];
    return [`${source}.${column} has no index that starts with it: every window will scan the whole table, so the backfill reads it once per window (measured here: 12× one statement for 720 windows over 3 M rows; 30–60× on larger tables). Consider CREATE INDEX CONCURRENTLY ON ${source} (${column}).`];
  },
  tableExists,
  async queryTime(driver, sql, round) {
    // pg hands a timestamp to Node as a Date, cut to milliseconds: ask for the exact epoch instead.
    const rows = await driver.query<{ epoch: string | null }>(`SELECT extract(epoch FROM q.t)::text AS epoch FROM (${sql.replace(/;\s*$/, '')}) AS q(t)`);
    return epochToDate(rows[0]?.epoch ?? null, round);
  },
};
