// The one lexer, table-driven: what each dialect reads as one token, where statements split,
// and which placeholders the drivers rewrite.
import { describe, expect, it } from 'vitest';
import { tokenize, type Dialect } from '../../functions/engine/sql/lexer.js';
import { parseStatements, splitStatements } from '../../functions/engine/sql/statements.js';
import { bindParams as bindPostgres } from '../../functions/engine/drivers/postgres/params.js';
import { bindParams as bindClickHouse } from '../../functions/engine/drivers/clickhouse/params.js';
import { firstLine, splitTopLevel } from '../../functions/engine/sql-split.js';

const kinds = (sql: string, dialect: Dialect) => tokenize(sql, dialect).map((t) => `${t.kind}:${t.text}`);

describe('tokens', () => {
  const cases: [string, Dialect, string, string[]][] = [
    ['nested block comment (postgres)', 'postgres', 'a /* x /* y */ z */ b', ['word:a', 'comment:/* x /* y */ z */', 'word:b']],
    ['nested block comment (clickhouse)', 'clickhouse', 'a /* x /* y */ z */ b', ['word:a', 'comment:/* x /* y */ z */', 'word:b']],
    ['dollar quote with tag', 'postgres', "$f$ it's ; $1 $f$ x", ["string:$f$ it's ; $1 $f$", 'word:x']],
    ['empty dollar tag', 'postgres', '$$a;b$$', ['string:$$a;b$$']],
    ['heredoc (clickhouse)', 'clickhouse', '$tag$a;b$tag$', ['string:$tag$a;b$tag$']],
    ['$ inside an identifier is not a quote', 'postgres', 'a$b$ c', ['word:a$b$', 'word:c']],
    ['postgres plain string: backslash is literal', 'postgres', "'a\\' b", ["string:'a\\'", 'word:b']],
    ['postgres E string: backslash escapes', 'postgres', "E'a\\'b' c", ["string:E'a\\'b'", 'word:c']],
    ['clickhouse string: backslash escapes', 'clickhouse', "'a\\'b' c", ["string:'a\\'b'", 'word:c']],
    ['doubled quote', 'postgres', "'it''s' x", ["string:'it''s'", 'word:x']],
    ['quoted identifier "…"', 'postgres', '"a""b" x', ['quoted:"a""b"', 'word:x']],
    ['backtick identifier (clickhouse)', 'clickhouse', '`a\\`b` x', ['quoted:`a\\`b`', 'word:x']],
    ['$1 parameter (postgres)', 'postgres', 'x = $1', ['word:x', 'punct:=', 'param:$1']],
    ['$1 inside a string stays a string', 'postgres', "'$1' $2", ["string:'$1'", 'param:$2']],
    ['{name} placeholder', 'clickhouse', 'ts >= {window_start}', ['word:ts', 'punct:>', 'punct:=', 'placeholder:{window_start}']],
    ['{name:Type} placeholder', 'clickhouse', "{x:DateTime64(3, 'UTC')}", ["placeholder:{x:DateTime64(3, 'UTC')}"]],
    ['map literal is not a placeholder', 'clickhouse', "{'a': 1}", ['punct:{', "string:'a'", 'punct::', 'number:1', 'punct:}']],
    ['# comment (clickhouse)', 'clickhouse', 'a # note\nb', ['word:a', 'comment:# note', 'word:b']],
    ['#! comment (clickhouse)', 'clickhouse', 'a #!note\nb', ['word:a', 'comment:#!note', 'word:b']],
    ['# is an operator in postgres', 'postgres', 'a # b', ['word:a', 'punct:#', 'word:b']],
    ['line comment', 'postgres', "a -- it's ; here\nb", ['word:a', "comment:-- it's ; here", 'word:b']],
    ['numbers', 'postgres', '1 2.5 .5 1e-3 0x1F', ['number:1', 'number:2.5', 'number:.5', 'number:1e-3', 'number:0x1F']],
    ['unterminated string runs to the end', 'postgres', "a 'b; c", ['word:a', "string:'b; c"]],
  ];
  it.each(cases)('%s', (_name, dialect, sql, expected) => {
    expect(kinds(sql, dialect)).toEqual(expected);
  });

  it('numbers lines, CRLF included', () => {
    const tokens = tokenize('a\r\n/* x\r\n y */ b\r\n  c', 'postgres');
    expect(tokens.map((t) => [t.text.split('\r')[0], t.line])).toEqual([['a', 1], ['/* x', 2], ['b', 3], ['c', 4]]);
  });

  it('unquotes values', () => {
    expect(tokenize("E'a\\nb' 'it''s' \"Q\"\"x\"", 'postgres').map((t) => t.value)).toEqual(['a\nb', "it's", 'Q"x']);
    expect(tokenize('`a\\`b` select', 'clickhouse').map((t) => t.value)).toEqual(['a`b', 'SELECT']);
  });
});

describe('statements', () => {
  const cases: [string, Dialect, string, string[]][] = [
    ['semicolon in a string', 'postgres', "SELECT ';'; SELECT 2", ["SELECT ';'", 'SELECT 2']],
    ['semicolon in a line comment', 'postgres', 'SELECT 1 -- a; b\n; SELECT 2', ['SELECT 1 -- a; b', 'SELECT 2']],
    ['semicolon in a nested block comment', 'clickhouse', 'SELECT 1 /* a /* ; */ ; */; SELECT 2', ['SELECT 1 /* a /* ; */ ; */', 'SELECT 2']],
    ['semicolon in a dollar quote', 'postgres', 'DO $$ BEGIN x; END $$; SELECT 2', ['DO $$ BEGIN x; END $$', 'SELECT 2']],
    ['backslash-escaped quote (clickhouse)', 'clickhouse', "SELECT 'a\\';'; SELECT 2", ["SELECT 'a\\';'", 'SELECT 2']],
    ['plain string ends at backslash-quote (postgres)', 'postgres', "SELECT 'a\\'; SELECT 2", ["SELECT 'a\\'", 'SELECT 2']],
    ['comment-only statements dropped', 'postgres', '-- a\n;\n/* b */;\nSELECT 1;\n-- end', ['SELECT 1']],
    ['leading comments stay with their statement', 'clickhouse', '-- note\nSELECT 1;', ['-- note\nSELECT 1']],
    ['# comment with a semicolon (clickhouse)', 'clickhouse', 'SELECT 1 # a; b\n; SELECT 2', ['SELECT 1 # a; b', 'SELECT 2']],
    ['CRLF', 'postgres', 'SELECT 1;\r\nSELECT 2;\r\n', ['SELECT 1', 'SELECT 2']],
  ];
  it.each(cases)('%s', (_name, dialect, sql, expected) => {
    expect(splitStatements(sql, dialect)).toEqual(expected);
  });

  it('gives the line each statement code starts on', () => {
    const sql = '-- header\n\nCREATE TABLE a (x int);\n\n/* two\nlines */ SELECT 1;\r\nSELECT 2';
    expect(parseStatements(sql, 'postgres').map((s) => s.line)).toEqual([3, 6, 7]);
  });

  it('firstLine skips comments, block comments included', () => {
    expect(firstLine('-- a\n/* b\n c */\n  ALTER TABLE t\n ADD x', 'postgres')).toBe('ALTER TABLE t');
  });

  it('splitTopLevel splits at top-level commas only', () => {
    expect(splitTopLevel("toStartOfHour(ts), f(a, b), 'x,y', `c,d`, [1, 2]")).toEqual(['toStartOfHour(ts)', 'f(a, b)', "'x,y'", '`c,d`', '[1, 2]']);
  });
});

describe('placeholders', () => {
  it('postgres: known names become $n; strings, quoted identifiers, comments and dollar quotes are left alone', () => {
    const bound = bindPostgres("SELECT {a}, {b}, {a}, {c}, '{a}', \"{a}\", E'\\'{a}', $q${a}$q$ /* {a} /* {a} */ {a} */ -- {a}\n", { a: 1, b: 'x' });
    expect(bound.text).toBe("SELECT $1, $2, $1, {c}, '{a}', \"{a}\", E'\\'{a}', $q${a}$q$ /* {a} /* {a} */ {a} */ -- {a}\n");
    expect(bound.values).toEqual([1, 'x']);
  });

  it('postgres: a $1 inside a string is not a parameter and not renumbered', () => {
    expect(bindPostgres("SELECT '$1', {a}", { a: 2 }).text).toBe("SELECT '$1', $1");
  });

  it('clickhouse: known names get their type; typed placeholders, maps and quoted text are left alone', () => {
    const bound = bindClickHouse("SELECT {a}, {b:String}, {'k': 1}, '{a}', `{a}`, 'x\\'{a}' # {a}\n, {a}", { a: 1, b: 'y' });
    expect(bound.query).toBe("SELECT {a:Int64}, {b:String}, {'k': 1}, '{a}', `{a}`, 'x\\'{a}' # {a}\n, {a:Int64}");
    expect(bound.query_params).toEqual({ a: 1, b: 'y' });
  });
});
