// One SQL lexer for both engines. The dialect decides what differs:
//   postgres   — '…' without backslash escapes (standard_conforming_strings), E'…' with them,
//                "…" identifiers, $tag$…$tag$ dollar quotes, $1 parameters, nested /* */;
//   clickhouse — '…', "…" and `…` all take backslash escapes, `# ` / `#!` line comments,
//                $tag$…$tag$ heredocs, nested /* */ (checked on chdb: `SELECT 1 /* a /* b */ c */`).
// Both: doubled quotes, -- comments, and the engine-neutral `{name}` / `{name:Type}` placeholders.
// No parser library fits both engines (pgsql-ast-parser and node-sql-parser do not read
// ClickHouse DDL: ENGINE, CODEC, MATERIALIZED VIEW … TO), so rules work on these tokens.
// An unterminated string or comment runs to the end of the text; the engine reports it.

export type Dialect = 'postgres' | 'clickhouse';

export type TokenKind =
  | 'word' // keyword or unquoted identifier
  | 'quoted' // "identifier" or `identifier`
  | 'string' // '…', E'…', $tag$…$tag$
  | 'number'
  | 'param' // $1 (postgres)
  | 'placeholder' // {name} or {name:Type}
  | 'comment'
  | 'semicolon'
  | 'punct'; // any other character: operators, parentheses, commas

export interface Token {
  kind: TokenKind;
  /** Source text, exactly as written. */
  text: string;
  /** Offsets into the lexed text: [start, end). */
  start: number;
  end: number;
  /** 1-based line of the first character. */
  line: number;
  /** word: upper-cased; quoted/string: the unquoted content; placeholder: the name. */
  value: string;
  /** placeholder: the type after the colon, if any. */
  type?: string;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DIGIT = /[0-9]/;
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;
const PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}/;

export function tokenize(sql: string, dialect: Dialect): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const n = sql.length;
  const push = (kind: TokenKind, end: number, value: string, type?: string) => {
    const text = sql.slice(i, end);
    tokens.push({ kind, text, start: i, end, line, value, ...(type !== undefined ? { type } : {}) });
    for (let k = i; k < end; k++) if (sql.charCodeAt(k) === 10) line++;
    i = end;
  };
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if ((c === '-' && next === '-') || (c === '#' && dialect === 'clickhouse' && (next === ' ' || next === '!'))) {
      const end = sql.indexOf('\n', i);
      push('comment', end === -1 ? n : end, '');
    } else if (c === '/' && next === '*') {
      push('comment', blockCommentEnd(sql, i), '');
    } else if (c === "'") {
      const end = quotedEnd(sql, i, "'", dialect === 'clickhouse');
      push('string', end, unquote(sql.slice(i, end), "'", dialect === 'clickhouse'));
    } else if ((c === 'E' || c === 'e') && next === "'" && dialect === 'postgres') {
      const end = quotedEnd(sql, i + 1, "'", true);
      push('string', end, unquote(sql.slice(i + 1, end), "'", true));
    } else if (c === '"' || (c === '`' && dialect === 'clickhouse')) {
      const end = quotedEnd(sql, i, c, dialect === 'clickhouse');
      push('quoted', end, unquote(sql.slice(i, end), c, dialect === 'clickhouse'));
    } else if (c === '$') {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 66))?.[0];
      if (tag) {
        const close = sql.indexOf(tag, i + tag.length);
        const end = close === -1 ? n : close + tag.length;
        push('string', end, sql.slice(i + tag.length, close === -1 ? n : close));
      } else if (dialect === 'postgres' && DIGIT.test(next ?? '')) {
        let end = i + 1;
        while (end < n && DIGIT.test(sql[end])) end++;
        push('param', end, sql.slice(i + 1, end));
      } else {
        push('punct', i + 1, c);
      }
    } else if (c === '{') {
      const match = PLACEHOLDER.exec(sql.slice(i, i + 200));
      if (match) push('placeholder', i + match[0].length, match[1], match[2]?.trim());
      else push('punct', i + 1, c);
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < n && WORD_PART.test(sql[end])) end++;
      push('word', end, sql.slice(i, end).toUpperCase());
    } else if (DIGIT.test(c) || (c === '.' && DIGIT.test(next ?? ''))) {
      const end = numberEnd(sql, i);
      push('number', end, sql.slice(i, end));
    } else if (c === ';') {
      push('semicolon', i + 1, c);
    } else {
      push('punct', i + 1, c);
    }
  }
  return tokens;
}

/** Both engines nest block comments. */
function blockCommentEnd(sql: string, open: number): number {
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

function quotedEnd(sql: string, open: number, quote: string, backslash: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslash && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2; // a doubled quote is a quote
    else if (c === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f' };

function unquote(text: string, quote: string, backslash: boolean): string {
  const body = text.endsWith(quote) && text.length > 1 ? text.slice(1, -1) : text.slice(1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (backslash && c === '\\' && i + 1 < body.length) {
      out += ESCAPES[body[i + 1]] ?? body[i + 1];
      i++;
    } else if (c === quote && body[i + 1] === quote) {
      out += quote;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

function numberEnd(sql: string, start: number): number {
  const hex = /^0[xX][0-9A-Fa-f]+/.exec(sql.slice(start, start + 40));
  if (hex) return start + hex[0].length;
  const match = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(start, start + 400));
  return start + (match ? match[0].length : 1);
}

/** The tokens that are code: no comments. */
export function codeTokens(tokens: Token[]): Token[] {
  return tokens.filter((t) => t.kind !== 'comment');
}
