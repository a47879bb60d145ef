// Statements of a script, from the lexer: split at top-level semicolons, each with its text
// (leading comments included, as the engines receive it), its tokens and the line its code
// starts on. Statements that hold only comments and white space are dropped.
import { tokenize, type Dialect, type Token } from './lexer.js';

export interface SqlStatement {
  /** Trimmed source text, leading comments included. */
  text: string;
  /** 1-based line (in the whole script) of the statement's first code token. */
  line: number;
  /** Every token, comments included, with offsets into the whole script. */
  tokens: Token[];
  /** Code tokens only. */
  code: Token[];
}

export function parseStatements(sql: string, dialect: Dialect): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let current: Token[] = [];
  let start = 0;
  const flush = (end: number) => {
    const code = current.filter((t) => t.kind !== 'comment');
    if (code.length > 0) statements.push({ text: sql.slice(start, end).trim(), line: code[0].line, tokens: current, code });
    current = [];
  };
  for (const token of tokenize(sql, dialect)) {
    if (token.kind === 'semicolon') {
      flush(token.start);
      start = token.end;
    } else {
      current.push(token);
    }
  }
  flush(sql.length);
  return statements;
}

export function splitStatements(sql: string, dialect: Dialect): string[] {
  return parseStatements(sql, dialect).map((s) => s.text);
}

/** True when the text holds nothing but comments and white space. */
export function isBlankSql(sql: string, dialect: Dialect): boolean {
  return tokenize(sql, dialect).every((t) => t.kind === 'comment');
}

/** The line a statement's code starts on, for error messages (comments skipped). */
export function firstCodeLine(statement: string, dialect: Dialect, max = 120): string {
  const first = tokenize(statement, dialect).find((t) => t.kind !== 'comment');
  const lines = statement.split('\n');
  const line = (first ? lines[first.line - 1] : statement).trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
