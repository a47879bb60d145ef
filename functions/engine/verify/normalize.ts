// Text normalization applied the same way to both sides of a comparison, so that the
// scratch database (another database name, maybe another directory) and the live target
// produce identical text for identical objects.

/** Tables hourglass itself owns in a target: never part of the schema the migrations describe. */
export function isExcludedObject(name: string): boolean {
  return name === 'hourglass_migrations' || name.includes('_hg_stage_') || name.startsWith('.inner');
}

export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Removes `db.` / `` `db`. `` qualifiers of the snapshot's own database outside string
 * literals: ClickHouse prints every name in DDL and view queries fully qualified, and the
 * scratch database is named differently from the live one.
 */
export function stripDatabase(text: string, database: string): string {
  const escaped = database.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const qualifier = new RegExp(`(?<![\\w.\`"])(?:\`${escaped}\`|${escaped})\\.(?=[\`A-Za-z_])`, 'g');
  return mapOutsideStrings(text, (code) => code.replace(qualifier, ''));
}

/** Applies `fn` to the parts of `sql` that are not inside '…' string literals. */
function mapOutsideStrings(sql: string, fn: (code: string) => string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const quote = sql.indexOf("'", i);
    if (quote === -1) {
      out += fn(sql.slice(i));
      break;
    }
    out += fn(sql.slice(i, quote));
    let j = quote + 1;
    while (j < sql.length) {
      if (sql[j] === '\\') j += 2;
      else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
      else if (sql[j] === "'") break;
      else j++;
    }
    out += sql.slice(quote, j + 1);
    i = j + 1;
  }
  return out;
}

export { splitTopLevel } from '../sql-split.js';

/** Removes one pair of enclosing parentheses when they wrap the whole text. */
export function unwrapParentheses(text: string): string {
  const t = text.trim();
  if (!t.startsWith('(') || !t.endsWith(')')) return t;
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '(') depth++;
    else if (t[i] === ')') depth--;
    if (depth === 0 && i < t.length - 1) return t;
  }
  return t.slice(1, -1).trim();
}

/** `name` or `` `name` `` → name. */
export function unquoteIdentifier(text: string): string {
  const t = text.trim();
  if ((t.startsWith('`') && t.endsWith('`')) || (t.startsWith('"') && t.endsWith('"'))) return t.slice(1, -1).replace(/""/g, '"');
  return t;
}

/** Prefixes every line with `-- ` (so a multi-line statement becomes a comment). */
export function commentOut(text: string, indent = ''): string {
  return text.split('\n').map((line) => `-- ${indent}${line}`.trimEnd()).join('\n');
}
