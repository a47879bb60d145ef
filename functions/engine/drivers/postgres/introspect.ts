// Catalog questions the planner asks of a PostgreSQL target before a backfill.
import type { Driver } from '../driver.js';
import { countInWindow, qualifiedName } from '../window-range.js';

type Inspectable = Pick<Driver, 'query' | 'quoteIdentifier'>;

/** `schema.table` or `table` (resolved through search_path), checked and quoted for to_regclass. */
const regclassName = qualifiedName;

export async function tableExists(driver: Inspectable, table: string): Promise<boolean> {
  const [row] = await driver.query<{ present: boolean }>('SELECT to_regclass({name}) IS NOT NULL AS present', { name: regclassName(driver, table) });
  return row?.present === true;
}

/** Rows of `table` with `timeColumn` in the half-open window [start, end). */
export function countRows(driver: Inspectable, table: string, timeColumn: string, start: Date, end: Date): Promise<number> {
  return countInWindow(driver, driver, table, timeColumn, { start, end });
}

/**
 * True when some index of `table` has `column` as its first key column, so a window
 * predicate on it can use the index (a plan-time warning otherwise: every window scans).
 */
export async function timeColumnIndexed(driver: Inspectable, table: string, column: string): Promise<boolean> {
  driver.quoteIdentifier(column); // validates the name; it is bound below, not spliced
  const [row] = await driver.query<{ indexed: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = to_regclass({name}) AND a.attname = {column}
     ) AS indexed`,
    { name: regclassName(driver, table), column },
  );
  return row?.indexed === true;
}
