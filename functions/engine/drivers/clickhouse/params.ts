// Turns our engine-neutral `{name}` placeholders into ClickHouse typed query parameters
// `{name:Type}` and formats the values for them. Values travel beside the query text
// (query_params), never inside it. Only names that are keys of the params object are
// rewritten, and never inside quotes or comments, so ClickHouse maps, JSON and literal
// text such as '{x}' are left as written.
import type { QueryParams } from '../driver.js';
import { UsageError } from '../../errors.js';

export interface BoundQuery {
  query: string;
  query_params: Record<string, string | number | boolean | null>;
}

const PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/;

export function bindParams(sql: string, params: QueryParams | undefined): BoundQuery {
  if (!params || Object.keys(params).length === 0) return { query: sql, query_params: {} };
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const skipped = skipNonCode(sql, i);
    if (skipped > i) {
      out += sql.slice(i, skipped);
      i = skipped;
      continue;
    }
    const match = sql[i] === '{' ? PLACEHOLDER.exec(sql.slice(i, i + 66)) : null;
    const name = match?.[1];
    if (match && name !== undefined && Object.hasOwn(params, name)) {
      out += `{${name}:${clickHouseType(params[name] as QueryParams[string])}}`;
      i += match[0].length;
    } else {
      out += sql[i];
      i++;
    }
  }
  const query_params: BoundQuery['query_params'] = {};
  for (const [name, value] of Object.entries(params)) query_params[name] = formatValue(value);
  return { query: out, query_params };
}

/** The ClickHouse type a value is bound as. */
export function clickHouseType(value: QueryParams[string]): string {
  if (value === null) return 'Nullable(String)';
  if (value instanceof Date) return "DateTime64(3, 'UTC')";
  switch (typeof value) {
    case 'bigint':
      return 'Int64';
    // Integers beyond 2^53 are not exact in JS anyway; bound as Float64 they at least parse.
    case 'number':
      return Number.isSafeInteger(value) ? 'Int64' : 'Float64';
    case 'boolean':
      return 'Bool';
    default:
      return 'String';
  }
}

function formatValue(value: QueryParams[string]): string | number | boolean | null {
  if (value instanceof Date) return formatDateTime64(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** 'YYYY-MM-DD hh:mm:ss.sss' in UTC: the text form DateTime64(3, 'UTC') parses and prints. */
export function formatDateTime64(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new UsageError('invalid Date bound to a query parameter');
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Index just past a quoted string or comment starting at `i`, or `i` when none starts there. */
function skipNonCode(sql: string, i: number): number {
  const c = sql[i];
  const next = sql[i + 1];
  if (c === '-' && next === '-') {
    const end = sql.indexOf('\n', i);
    return end === -1 ? sql.length : end + 1;
  }
  if (c === '/' && next === '*') {
    const end = sql.indexOf('*/', i + 2);
    return end === -1 ? sql.length : end + 2;
  }
  if (c === "'" || c === '"' || c === '`') {
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === '\\') j += 2;
      else if (sql[j] === c && sql[j + 1] === c) j += 2; // doubled quote: an escaped quote
      else if (sql[j] === c) return j + 1;
      else j++;
    }
    return sql.length;
  }
  return i;
}
