// Freshness: new data still arrives. For each materialized view, the newest row of what
// it fills must be within `maxLagMs` of the newest row of what it reads (seed 000's
// "verify end-to-end" step, automated). ClickHouse: the view's TO table against the table
// whose inserts trigger it. PostgreSQL: a materialized view against its own query (a view
// that was not refreshed lags). Skipped when the source is empty or has no time column.
import type { Executor } from '../drivers/driver.js';
import { baseType } from './clickhouse-types.js';
import { quoteCh, quoteName, quotePg } from './quote.js';
import { timeColumnPair } from './freshness-columns.js';
import type { ColumnInfo, FreshnessCheck, SchemaSnapshot, TableInfo, ViewInfo } from './types.js';

const CH_TIME = /^(Date|Date32|DateTime|DateTime64)(\(|$)/;
const PG_TIME = /^(date|timestamp)/;

export function isTimeColumn(engine: 'clickhouse' | 'postgres', c: ColumnInfo): boolean {
  return engine === 'clickhouse' ? CH_TIME.test(baseType(c.type)) : PG_TIME.test(c.type);
}

export async function checkFreshness(exec: Executor, live: SchemaSnapshot, maxLagMs: number): Promise<FreshnessCheck[]> {
  const checks: FreshnessCheck[] = [];
  for (const view of live.views) {
    if (!view.materialized) continue;
    checks.push(live.engine === 'clickhouse' ? await clickHouseCheck(exec, view, live.tables, maxLagMs) : await postgresCheck(exec, view, maxLagMs));
  }
  return checks;
}

function skipped(view: ViewInfo, target: string, reason: string, extra: Partial<FreshnessCheck> = {}): FreshnessCheck {
  return { view: view.name, target, source: null, timeColumn: null, targetNewest: null, sourceNewest: null, lagMs: null, ok: true, skipped: reason, ...extra };
}

function result(view: ViewInfo, target: string, source: string, timeColumn: string, targetMs: number | null, sourceMs: number, maxLagMs: number): FreshnessCheck {
  const lagMs = targetMs === null ? null : Math.max(0, sourceMs - targetMs);
  return {
    view: view.name, target, source, timeColumn,
    targetNewest: targetMs === null ? null : new Date(targetMs).toISOString(),
    sourceNewest: new Date(sourceMs).toISOString(),
    lagMs, ok: lagMs !== null && lagMs <= maxLagMs, skipped: null,
  };
}

async function clickHouseCheck(exec: Executor, view: ViewInfo, tables: TableInfo[], maxLagMs: number): Promise<FreshnessCheck> {
  const targetName = view.target ?? '';
  const target = tables.find((t) => t.name === targetName);
  const source = tables.find((t) => view.sources.includes(t.name));
  if (!target || view.invalid !== null) return skipped(view, targetName, 'the view or its target is broken (see the schema differences)');
  if (!source) return skipped(view, targetName, 'no source table in this database');
  const pair = timeColumnPair(view, target, source, (c) => isTimeColumn('clickhouse', c));
  if (!pair) return skipped(view, targetName, 'no time column', { source: source.name });
  const newest = async (table: string, column: string) => {
    const [row] = await exec.query<{ n: number; newest: number }>(
      `SELECT count() AS n, toUnixTimestamp64Milli(toDateTime64(max(${quoteCh(column)}), 3, 'UTC')) AS newest FROM ${quoteCh(table)}`);
    return Number(row?.n ?? 0) > 0 ? Number(row!.newest) : null;
  };
  const sourceMs = await newest(source.name, pair.source);
  if (sourceMs === null) return skipped(view, targetName, 'the source is empty', { source: source.name, timeColumn: pair.target });
  return result(view, targetName, source.name, pair.target, await newest(targetName, pair.target), sourceMs, maxLagMs);
}

async function postgresCheck(exec: Executor, view: ViewInfo, maxLagMs: number): Promise<FreshnessCheck> {
  const time = (view.columns ?? []).find((c) => isTimeColumn('postgres', c));
  if (!time) return skipped(view, view.name, 'no time column');
  const column = quotePg(time.name);
  const newest = async (from: string) => {
    const [row] = await exec.query<{ newest: string | null }>(`SELECT (extract(epoch FROM max(${column})) * 1000)::bigint::text AS newest FROM ${from}`);
    return row?.newest === null || row?.newest === undefined ? null : Number(row.newest);
  };
  const sourceMs = await newest(`(${view.query}) AS source`);
  if (sourceMs === null) return skipped(view, view.name, 'the source is empty', { source: `query of ${view.name}`, timeColumn: time.name });
  return result(view, view.name, `query of ${view.name}`, time.name, await newest(quoteName('postgres', view.name)), sourceMs, maxLagMs);
}
