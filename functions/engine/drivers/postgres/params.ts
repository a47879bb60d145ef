// `{name}` placeholders → PostgreSQL positional parameters `$n`. Only names that are keys
// of the params object are rewritten (a repeated name reuses its `$n`), and nothing
// inside quotes, dollar quotes or comments is touched, so `'{x}'`, `"{x}"` and JSON
// literals stay as written. Values are bound, never spliced into the text.
import { UsageError } from '../../errors.js';
import type { QueryParams } from '../driver.js';

export interface BoundQuery {
  text: string;
  values: unknown[];
}

const PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/;
const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

export function bindParams(sql: string, params: QueryParams): BoundQuery {
  const positions = new Map<string, number>();
  const values: unknown[] = [];
  let text = '';
  let i = 0;
  while (i < sql.length) {
    const skipped = skipLiteral(sql, i);
    if (skipped > i) {
      text += sql.slice(i, skipped);
      i = skipped;
      continue;
    }
    const name = sql[i] === '{' ? PLACEHOLDER.exec(sql.slice(i, i + 66))?.[1] : undefined;
    if (name !== undefined && Object.hasOwn(params, name)) {
      let position = positions.get(name);
      if (position === undefined) {
        values.push(toPostgresValue(name, params[name]));
        position = values.length;
        positions.set(name, position);
      }
      text += `$${position}`;
      i += name.length + 2;
      continue;
    }
    text += sql[i];
    i++;
  }
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

/** End of the quoted string, dollar-quoted string or comment starting at `i`, or `i` when none starts there. */
function skipLiteral(sql: string, i: number): number {
  const c = sql[i];
  const next = sql[i + 1];
  if (c === '-' && next === '-') {
    const end = sql.indexOf('\n', i);
    return end === -1 ? sql.length : end + 1;
  }
  if (c === '/' && next === '*') return skipBlockComment(sql, i);
  if (c === "'") return skipQuoted(sql, i, "'", isEscapeString(sql, i));
  if (c === '"') return skipQuoted(sql, i, '"', false);
  if (c === '$' && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
    const tag = DOLLAR_TAG.exec(sql.slice(i, i + 66))?.[0];
    if (tag) {
      const end = sql.indexOf(tag, i + tag.length);
      return end === -1 ? sql.length : end + tag.length;
    }
  }
  return i;
}

/** E'…' strings take backslash escapes; plain '…' do not (standard_conforming_strings). */
function isEscapeString(sql: string, quote: number): boolean {
  return /[eE]/.test(sql[quote - 1] ?? '') && !/[A-Za-z0-9_]/.test(sql[quote - 2] ?? '');
}

function skipQuoted(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2; // doubled quote inside the string
    else if (c === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

/** PostgreSQL block comments nest. */
function skipBlockComment(sql: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}
