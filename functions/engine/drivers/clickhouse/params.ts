// Turns our engine-neutral `{name}` placeholders into ClickHouse typed query parameters
// `{name:Type}` and formats the values for them. Values travel beside the query text
// (query_params), never inside it. Only names that are keys of the params object are
// rewritten, and never inside quotes or comments, so ClickHouse maps, JSON and literal
// text such as '{x}' are left as written.
import type { QueryParams } from '../driver.js';
import { UsageError } from '../../errors.js';
import { rewritePlaceholders } from '../../sql/placeholders.js';

export interface BoundQuery {
  query: string;
  query_params: Record<string, string | number | boolean | null>;
}

export function bindParams(sql: string, params: QueryParams | undefined): BoundQuery {
  if (!params || Object.keys(params).length === 0) return { query: sql, query_params: {} };
  const query = rewritePlaceholders(sql, 'clickhouse', params, (name) => `{${name}:${clickHouseType(params[name] as QueryParams[string])}}`);
  const query_params: BoundQuery['query_params'] = {};
  for (const [name, value] of Object.entries(params)) query_params[name] = formatValue(value);
  return { query, query_params };
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
