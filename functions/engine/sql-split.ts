// Splits SQL scripts into statements at top-level semicolons, skipping those inside
// quotes ('…', "…", `…`), comments (-- …, /* … */) and PostgreSQL dollar quotes ($tag$ … $tag$).
// Statements that hold only comments and white space are dropped.

export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(sql, i, c);
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64))?.[0];
      if (tag && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end === -1 ? n : end + tag.length;
      } else {
        i++;
      }
    } else if (c === ';') {
      push(statements, sql.slice(start, i));
      i++;
      start = i;
    } else {
      i++;
    }
  }
  push(statements, sql.slice(start));
  return statements;
}

function skipQuoted(sql: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\' && quote !== '"') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2; // doubled quote is an escaped quote
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

function push(statements: string[], text: string): void {
  const trimmed = text.trim();
  if (stripComments(trimmed).trim() !== '') statements.push(trimmed);
}

/** The text without -- and /* comments (quotes are not considered: used only to test for emptiness). */
export function stripComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, '').replace(/--[^\n]*/g, '');
}

/** The first line of a statement that is not a comment, for error messages. */
export function firstLine(statement: string, max = 120): string {
  const line = statement.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('--')) ?? statement.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Splits at top-level commas only (not inside parentheses, brackets or quotes). */
export function splitTopLevel(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '`' || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === separator && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}
