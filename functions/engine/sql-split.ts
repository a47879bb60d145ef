// Statement splitting and top-level comma splitting, on the one SQL lexer (sql/lexer.ts).
import { tokenize, type Dialect } from './sql/lexer.js';
import { firstCodeLine, splitStatements } from './sql/statements.js';

export type { Dialect } from './sql/lexer.js';

/** Statements at top-level semicolons (not inside quotes, comments or dollar quotes); comment-only ones dropped. */
export function splitSqlStatements(sql: string, dialect: Dialect): string[] {
  return splitStatements(sql, dialect);
}

/** The first line of a statement that is not a comment, for error messages. */
export function firstLine(statement: string, dialect: Dialect, max = 120): string {
  return firstCodeLine(statement, dialect, max);
}

/**
 * Splits at top-level separators only (not inside parentheses, brackets, quotes or comments).
 * Used on key and type expressions ClickHouse and PostgreSQL print back, hence ClickHouse
 * lexing (backticks and backslash escapes), which reads PostgreSQL's printed forms too.
 */
export function splitTopLevel(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (const t of tokenize(text, 'clickhouse')) {
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (t.text === separator && depth === 0) {
      parts.push(text.slice(from, t.start).trim());
      from = t.end;
    }
  }
  const last = text.slice(from).trim();
  if (last !== '') parts.push(last);
  return parts;
}
