// The half-open window [start, end) on a time column, in SQL that both engines run: one
// place for the quoting, the predicate and the count that planning, the strategies and
// the introspection helpers all need. Values are bound as {window_start}/{window_end}.
import { assertIdentifier, assertQualifiedName, type Driver, type Executor } from './driver.js';

type Quoting = Pick<Driver, 'quoteIdentifier'>;

export interface TimeSpan {
  start: Date;
  end: Date;
}

/** `table` or `db.table` (`schema.table`), each part checked and quoted. */
export function qualifiedName(driver: Quoting, name: string): string {
  return assertQualifiedName(name).map((part) => driver.quoteIdentifier(part)).join('.');
}

/** `column >= {window_start} AND column < {window_end}`. */
export function inWindow(driver: Quoting, column: string): string {
  const quoted = driver.quoteIdentifier(assertIdentifier(column, 'time column'));
  return `${quoted} >= {window_start} AND ${quoted} < {window_end}`;
}

export function windowParams(span: TimeSpan): { window_start: Date; window_end: Date } {
  return { window_start: span.start, window_end: span.end };
}

/** The SELECT that counts `table`'s rows in the window (usable as a subquery). */
export function countInWindowSql(driver: Quoting, table: string, column: string): string {
  return `SELECT count(*) FROM ${qualifiedName(driver, table)} WHERE ${inWindow(driver, column)}`;
}

/** Rows of `table` with `column` in [start, end); `exec` may be a transaction. */
export async function countInWindow(exec: Pick<Executor, 'query'>, driver: Quoting, table: string, column: string, span: TimeSpan): Promise<number> {
  const [row] = await exec.query<{ n: unknown }>(`SELECT (${countInWindowSql(driver, table, column)}) AS n`, windowParams(span));
  return Number(row?.n ?? 0);
}
