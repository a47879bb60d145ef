// Runs one window so that running it twice leaves exactly the same rows:
//   delete            remove the window's range from the target, then insert (PostgreSQL: one transaction)
//   dedup-token       ClickHouse insert_deduplication_token per window: a repeated insert is dropped
//   replace-partition ClickHouse: build the window in a staging table, then REPLACE PARTITION
// The statement runs inside the database (INSERT … SELECT); rows never pass through Node.
import type { Driver, Executor, StatementLimits } from '../drivers/driver.js';
import { countInWindow, countInWindowSql, inWindow, qualifiedName, windowParams, type TimeSpan } from '../drivers/window-range.js';
import type { BackfillDefinition } from './definition.js';
import { replacePartitionWindow } from './replace-partition.js';

export type WindowSpan = TimeSpan;

export interface WindowResult {
  /** Rows in the target's window range after the window ran. */
  rows: number;
  /** What the definition's source-count says the window should hold, where defined. */
  sourceRows?: number;
}

export interface WindowContext {
  driver: Driver;
  def: BackfillDefinition;
  /** Stable across retries of the same window (dedup tokens and staging names derive from it). */
  windowKey: string;
  /** The window's range is known to be empty (first attempt, range empty when the batch began): skip the delete. */
  knownEmpty?: boolean;
  /** Server-side limits on every statement of the window (time left in the invocation, a findable name). */
  limits?: StatementLimits;
}

/** PostgreSQL runs the window in one transaction (withStatementLimits opens it); ClickHouse statement by statement. */
export async function runWindow(ctx: WindowContext, w: WindowSpan): Promise<WindowResult> {
  const { driver, def } = ctx;
  return driver.withStatementLimits(ctx.limits ?? {}, async (exec) => {
    if (def.strategy === 'delete') return deleteThenInsert(exec, driver, def, w, ctx.knownEmpty);
    if (def.strategy === 'dedup-token') {
      await exec.exec(withSettings(def.statement, { insert_deduplication_token: `hourglass:${ctx.windowKey}` }), windowParams(w));
      return countResult(exec, driver, def, w);
    }
    await replacePartitionWindow(ctx, exec, w);
    return countResult(exec, driver, def, w);
  });
}

/** Rows in the target's window and, where defined, the source count: one round trip. */
export async function countResult(exec: Executor, driver: Driver, def: BackfillDefinition, w: WindowSpan): Promise<WindowResult> {
  const target = countInWindowSql(driver, def.target, def.timeColumn);
  const sql = def.sourceCount ? `SELECT (${target}) AS target_rows, (${def.sourceCount}) AS source_rows` : `SELECT (${target}) AS target_rows`;
  const [row] = await exec.query<{ target_rows: unknown; source_rows?: unknown }>(sql, windowParams(w));
  const rows = Number(row?.target_rows ?? 0);
  return def.sourceCount ? { rows, sourceRows: Number(row?.source_rows ?? 0) } : { rows };
}

async function deleteThenInsert(exec: Executor, driver: Driver, def: BackfillDefinition, w: WindowSpan, knownEmpty = false): Promise<WindowResult> {
  const params = windowParams(w);
  const range = inWindow(driver, def.timeColumn);
  if (driver.engine === 'postgres') {
    await exec.exec(`DELETE FROM ${qualifiedName(driver, def.target)} WHERE ${range}`, params);
  } else if (!knownEmpty) {
    // On ClickHouse a DELETE is a mutation: skip it for an empty range, and confine it to
    // the window's partition when there is one (several times faster than table-wide).
    const parts = await exec.query<{ p: string; n: number }>(`SELECT _partition_id AS p, count() AS n FROM ${qualifiedName(driver, def.target)} WHERE ${range} GROUP BY p`, params);
    if (parts.length > 0) {
      const scope = parts.length === 1 && /^[A-Za-z0-9_-]+$/.test(parts[0].p) ? ` IN PARTITION ID '${parts[0].p}'` : '';
      await exec.exec(`DELETE FROM ${qualifiedName(driver, def.target)}${scope} WHERE ${range}`, params);
    }
  }
  await exec.exec(def.statement, params);
  return countResult(exec, driver, def, w);
}

export function countWindow(exec: Executor, driver: Driver, def: BackfillDefinition, w: WindowSpan): Promise<number> {
  return countInWindow(exec, driver, def.target, def.timeColumn, w);
}

/** Appends a ClickHouse SETTINGS clause to an INSERT … SELECT (values are generated, not user text). */
function withSettings(statement: string, settings: Record<string, string>): string {
  const clause = Object.entries(settings).map(([k, v]) => `${k} = '${v.replace(/[^A-Za-z0-9:._-]/g, '')}'`).join(', ');
  return `${statement}\nSETTINGS ${clause}`;
}
