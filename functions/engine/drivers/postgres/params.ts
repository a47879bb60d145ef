// `{name}` placeholders → PostgreSQL positional parameters `$n`. Only names that are keys
// of the params object are rewritten (a repeated name reuses its `$n`), and nothing
// inside quotes, dollar quotes or comments is touched, so `'{x}'`, `"{x}"` and JSON
// literals stay as written. Values are bound, never spliced into the text.
import { UsageError } from '../../errors.js';
import type { QueryParams } from '../driver.js';
import { rewritePlaceholders } from '../../sql/placeholders.js';

export interface BoundQuery {
  text: string;
  values: unknown[];
}

export function bindParams(sql: string, params: QueryParams): BoundQuery {
  const positions = new Map<string, number>();
  const values: unknown[] = [];
  const text = rewritePlaceholders(sql, 'postgres', params, (name) => {
    let position = positions.get(name);
    if (position === undefined) {
      values.push(toPostgresValue(name, params[name]));
      position = values.length;
      positions.set(name, position);
    }
    return `$${position}`;
  });
  return { text, values };
}

/**
 * Dates go as ISO-8601 UTC text: exact for timestamptz, and UTC wall time for
 * `timestamp` columns (pg's default would send the process's local time).
 * bigint goes as text, which PostgreSQL casts without loss.
 */
function toPostgresValue(name: string, value: QueryParams[string]): unknown {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new UsageError(`parameter {${name}} is an invalid Date`);
    return value.toISOString();
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}
