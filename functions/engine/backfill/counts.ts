// Per-window counts of a group in ONE query, grouped by window: the target's rows of every
// window of the span and, where the definition has a source-count, the source's. A window is
// a cell of the grid (floor(epoch ms / window size)), so a row's window is integer arithmetic
// on its time and every window of the group is one group of the GROUP BY.
//
// The source-count is the user's scalar query for one window. In its common shape,
// `SELECT count(*) FROM <source> WHERE <col> >= {window_start} AND … < {window_end} …`, it is
// run once over the span grouped by <col>'s window. Any other shape cannot be grouped safely:
// it is run per window as scalar subqueries of the same one query (each reads only its window).
import type { BackfillDialect } from '../drivers/backfill-dialect.js';
import type { Driver, Executor, QueryParams } from '../drivers/driver.js';
import { inWindow, qualifiedName, windowParams, type TimeSpan } from '../drivers/window-range.js';
import type { BackfillDefinition } from './definition.js';

export interface WindowCounts {
  /** Rows in the target's window after it ran. */
  rows: number;
  /** What the definition's source-count says the window should hold, where defined. */
  sourceRows?: number;
}

const SIMPLE_COUNT = /^\s*SELECT\s+count\s*\(\s*\*?\s*\)\s+(?:AS\s+[A-Za-z_][A-Za-z0-9_]*\s+)?FROM\s+([\s\S]+?)\s+WHERE\s+([\s\S]+?)\s*;?\s*$/i;
const NOT_GROUPABLE = /\b(SELECT|GROUP\s+BY|ORDER\s+BY|LIMIT|UNION|HAVING|SETTINGS|FORMAT|WINDOW|OVER|JOIN)\b/i;
const START_COLUMN = /([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*>=\s*\{window_start\}/;

/** The source-count over the whole span, grouped by window; null when its shape is not the simple one. */
export function groupedSourceCount(sql: string, dialect: BackfillDialect, windowMs: number): string | null {
  const match = SIMPLE_COUNT.exec(sql);
  if (!match || NOT_GROUPABLE.test(`${match[1]} ${match[2]}`)) return null;
  const column = START_COLUMN.exec(match[2]!)?.[1];
  // The bounds must be used once each, as the range of that one column: anything else
  // (a bound compared with another column, say) would mean something else over a span.
  const once = (text: string) => sql.split(text).length === 2;
  if (!column || !once('{window_start}') || !once('{window_end}') || !new RegExp(`${column.replace('.', '\\.')}\\s*<\\s*\\{window_end\\}`).test(match[2]!)) return null;
  return byWindow(dialect, windowMs, 's', `FROM ${match[1]} WHERE ${match[2]}`, column);
}

/** Rows of `from` (FROM … WHERE …) counted by window: bucketed per row, the index computed once per window. */
function byWindow(dialect: BackfillDialect, windowMs: number, kind: 's' | 't', from: string, column: string): string {
  const counted = `SELECT ${dialect.windowBucket(column, windowMs)} AS hg_bucket, ${dialect.int64('count(*)')} AS hg_rows ${from} GROUP BY hg_bucket`;
  return `SELECT ${dialect.int64(dialect.windowIndex('hg_b.hg_bucket', windowMs))} AS hg_window, '${kind}' AS hg_kind, hg_b.hg_rows AS hg_rows FROM (${counted}) AS hg_b`;
}

export function windowIndexOf(w: TimeSpan, windowMs: number): number {
  return Math.floor(w.start.getTime() / windowMs);
}

/** The one query and its parameters for `windows` (adjacent) over `span`. */
export function groupedCountQuery(driver: Driver, dialect: BackfillDialect, def: BackfillDefinition, span: TimeSpan, windows: TimeSpan[]): { sql: string; params: QueryParams } {
  const time = driver.quoteIdentifier(def.timeColumn);
  const branches = [
    byWindow(dialect, def.windowMs, 't', `FROM ${qualifiedName(driver, def.target)} WHERE ${inWindow(driver, def.timeColumn)}`, time),
  ];
  const params: QueryParams = { ...windowParams(span) };
  if (def.sourceCount) {
    const grouped = groupedSourceCount(def.sourceCount, dialect, def.windowMs);
    if (grouped) branches.push(grouped);
    else {
      windows.forEach((w, i) => {
        const one = def.sourceCount!.replace(/;\s*$/, '').replaceAll('{window_start}', `{hg_ws_${i}}`).replaceAll('{window_end}', `{hg_we_${i}}`);
        branches.push(`SELECT ${dialect.int64(String(windowIndexOf(w, def.windowMs)))} AS hg_window, 's' AS hg_kind, ${dialect.int64(`(${one})`)} AS hg_rows`);
        params[`hg_ws_${i}`] = w.start;
        params[`hg_we_${i}`] = w.end;
      });
    }
  }
  return { sql: branches.join('\nUNION ALL\n'), params };
}

/** Counts of every window of the group, in the order of `windows`, from one query. */
export async function groupedCounts(exec: Executor, driver: Driver, dialect: BackfillDialect, def: BackfillDefinition, span: TimeSpan, windows: TimeSpan[]): Promise<WindowCounts[]> {
  const { sql, params } = groupedCountQuery(driver, dialect, def, span, windows);
  const rows = await exec.query<{ hg_window: unknown; hg_kind: string; hg_rows: unknown }>(sql, params);
  const target = new Map<number, number>();
  const source = new Map<number, number>();
  for (const row of rows) (row.hg_kind === 's' ? source : target).set(Number(row.hg_window), Number(row.hg_rows ?? 0));
  return windows.map((w) => {
    const i = windowIndexOf(w, def.windowMs);
    const rows = target.get(i) ?? 0;
    return def.sourceCount ? { rows, sourceRows: source.get(i) ?? 0 } : { rows };
  });
}
