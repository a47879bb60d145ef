// Just enough DDL structure for the rules, read from tokens: the statement kind, the table it
// names, CREATE TABLE columns and sorting key, ALTER TABLE actions, a view's TO table and the
// names its SELECT produces.
import type { Token } from '../sql/lexer.js';
import { closing, compact, findTopWords, identifier, isWord, qualifiedName, splitTop, wordsAt } from './tokens.js';

export interface Column {
  name: string;
  /** The type as written, compact; '' when not given. */
  type: string;
  /** Tokens after the type: DEFAULT, NOT NULL, CODEC, REFERENCES… */
  rest: Token[];
}

export interface CreateTable {
  name: string;
  ifNotExists: boolean;
  /** Columns, or null for `AS SELECT` / `AS other_table`. */
  columns: Column[] | null;
  /** Table-level items: constraints, indexes, projections. */
  items: Token[][];
  /** Sorting key expressions (ClickHouse ORDER BY); [] when none. */
  orderBy: Token[][];
  /** Tokens after the column list (engine clauses, SETTINGS). */
  tail: Token[];
}

const TABLE_ITEM = ['INDEX', 'PROJECTION', 'CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN', 'EXCLUDE', 'LIKE', 'STATISTICS'];
const AFTER_TYPE = ['DEFAULT', 'MATERIALIZED', 'ALIAS', 'EPHEMERAL', 'CODEC', 'TTL', 'COMMENT', 'NOT', 'NULL', 'PRIMARY', 'REFERENCES', 'CHECK', 'CONSTRAINT', 'UNIQUE', 'GENERATED', 'COLLATE', 'SETTINGS', 'STATISTICS', 'AFTER', 'FIRST', 'USING', 'REMOVE', 'MODIFY'];
const CLAUSES = ['PARTITION', 'PRIMARY', 'SAMPLE', 'TTL', 'SETTINGS', 'COMMENT', 'ENGINE', 'AS', 'EMPTY'];

/** Index just past `CREATE [OR REPLACE] [TEMPORARY…] <object> [IF NOT EXISTS]`, or -1 when the statement does not create `object`. */
export function afterCreate(code: Token[], object: string[]): { next: number; ifNotExists: boolean } | undefined {
  if (!isWord(code[0], 'CREATE', 'ATTACH')) return undefined;
  let i = 1;
  if (wordsAt(code, i, ['OR', 'REPLACE'])) i += 2;
  while (isWord(code[i], 'TEMPORARY', 'TEMP', 'UNLOGGED', 'GLOBAL', 'LOCAL', 'UNIQUE')) i++;
  if (!wordsAt(code, i, object)) return undefined;
  i += object.length;
  if (wordsAt(code, i, ['CONCURRENTLY'])) i++;
  const ifNotExists = wordsAt(code, i, ['IF', 'NOT', 'EXISTS']);
  return { next: ifNotExists ? i + 3 : i, ifNotExists };
}

export function parseColumn(part: Token[]): Column | undefined {
  const name = identifier(part[0]);
  if (name === undefined || (part[0].kind === 'word' && TABLE_ITEM.includes(part[0].value))) return undefined;
  let end = 1;
  let depth = 0;
  for (; end < part.length; end++) {
    const t = part[end];
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && t.kind === 'word' && AFTER_TYPE.includes(t.value)) break;
  }
  return { name, type: typeText(part.slice(1, end)), rest: part.slice(end) };
}

function typeText(tokens: Token[]): string {
  return tokens.map((t) => t.text).join(' ').replace(/\s*([(),])\s*/g, '$1').replace(/,/g, ', ');
}

export function parseCreateTable(code: Token[]): CreateTable | undefined {
  const head = afterCreate(code, ['TABLE']);
  if (!head) return undefined;
  const named = qualifiedName(code, head.next);
  if (!named) return undefined;
  let i = named.next;
  if (wordsAt(code, i, ['ON', 'CLUSTER'])) i += 3;
  let columns: Column[] | null = null;
  const items: Token[][] = [];
  if (code[i]?.text === '(') {
    const close = closing(code, i);
    columns = [];
    for (const part of splitTop(code, i + 1, close)) {
      const column = parseColumn(part);
      if (column) columns.push(column);
      else items.push(part);
    }
    i = close + 1;
  }
  const tail = code.slice(i);
  return { name: named.name, ifNotExists: head.ifNotExists, columns, items, orderBy: keyExpressions(tail, ['ORDER', 'BY']), tail };
}

/** The expressions of a top-level `ORDER BY (a, b)` / `ORDER BY a` clause in `tokens`. */
export function keyExpressions(tokens: Token[], clause: string[]): Token[][] {
  const at = findTopWords(tokens, clause);
  if (at === -1) return [];
  let end = at + clause.length;
  let depth = 0;
  for (; end < tokens.length; end++) {
    const t = tokens[end];
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && t.kind === 'word' && CLAUSES.includes(t.value)) break;
  }
  const body = tokens.slice(at + clause.length, end);
  if (body[0]?.text === '(' && closing(body, 0) === body.length - 1) return splitTop(body, 1, body.length - 1);
  return body.length ? [body] : [];
}

/** Bare column names an expression reads (function names and keywords left out). */
export function referencedColumns(expr: Token[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < expr.length; i++) {
    const t = expr[i];
    if (t.kind !== 'word' && t.kind !== 'quoted') continue;
    if (expr[i + 1]?.text === '(' || expr[i - 1]?.text === '.') continue;
    if (expr[i + 1]?.text === '.') continue; // a qualifier: the column follows
    names.push(identifier(t)!);
  }
  return names;
}

export interface AlterTable {
  name: string;
  onCluster: boolean;
  /** The actions, split at top-level commas. */
  actions: Token[][];
}

export function parseAlterTable(code: Token[]): AlterTable | undefined {
  if (!wordsAt(code, 0, ['ALTER', 'TABLE'])) return undefined;
  let i = 2;
  if (wordsAt(code, i, ['IF', 'EXISTS'])) i += 2;
  if (isWord(code[i], 'ONLY')) i++;
  const named = qualifiedName(code, i);
  if (!named) return undefined;
  i = named.next;
  if (code[i]?.text === '*') i++;
  const onCluster = wordsAt(code, i, ['ON', 'CLUSTER']);
  if (onCluster) i += 3;
  return { name: named.name, onCluster, actions: splitTop(code, i) };
}

/** `ADD COLUMN [IF NOT EXISTS] x type …` (the COLUMN word optional on PostgreSQL): the column, or undefined. */
export function addedColumn(action: Token[]): Column | undefined {
  if (!isWord(action[0], 'ADD')) return undefined;
  let i = 1;
  if (isWord(action[i], 'COLUMN')) i++;
  else if (isWord(action[i], ...TABLE_ITEM)) return undefined;
  if (wordsAt(action, i, ['IF', 'NOT', 'EXISTS'])) i += 3;
  return parseColumn(action.slice(i));
}

export interface MaterializedView {
  name: string;
  ifNotExists: boolean;
  to: string | undefined;
  populate: boolean;
  /** Index of SELECT in the statement's code, or -1. */
  select: number;
}

export function parseMaterializedView(code: Token[]): MaterializedView | undefined {
  const head = afterCreate(code, ['MATERIALIZED', 'VIEW']);
  if (!head) return undefined;
  const named = qualifiedName(code, head.next);
  if (!named) return undefined;
  const as = findTopWords(code, ['AS'], named.next);
  const header = code.slice(named.next, as === -1 ? code.length : as);
  const toAt = findTopWords(header, ['TO']);
  const to = toAt === -1 ? undefined : qualifiedName(header, toAt + 1)?.name;
  const populate = findTopWords(header, ['POPULATE']) !== -1;
  const select = as === -1 ? -1 : findTopWords(code, ['SELECT'], as);
  return { name: named.name, ifNotExists: head.ifNotExists, to, populate, select };
}

export interface SelectList {
  /** Output names; '*' for a star; null for an unnamed expression (text kept for messages). */
  outputs: { name: string | null; text: string; line: number }[];
  /** The first FROM table, when the source is one plain table. */
  from: string | undefined;
}

/** The output names of the top-level SELECT starting at `select`. */
export function selectList(code: Token[], select: number): SelectList {
  let start = select + 1;
  if (isWord(code[start], 'DISTINCT')) start++;
  const fromAt = findTopWords(code, ['FROM'], start);
  const end = fromAt === -1 ? code.length : fromAt;
  const outputs = splitTop(code, start, end).map((item) => {
    const text = compact(item);
    const line = item[0]?.line ?? 0;
    const last = item[item.length - 1];
    if (item.length === 1 && last.text === '*') return { name: '*', text, line };
    if (item.length >= 2 && isWord(item[item.length - 2], 'AS')) return { name: identifier(last) ?? null, text, line };
    // a column, or table.column
    if (item.every((t, k) => (k % 2 === 0 ? identifier(t) !== undefined && !(t.kind === 'word' && isKeyword(t)) : t.text === '.'))) return { name: identifier(last)!, text, line };
    if (last.text === '*') return { name: '*', text, line };
    // an implicit alias: `expr name` (ClickHouse and PostgreSQL both accept it)
    const before = item[item.length - 2];
    if (item.length >= 2 && identifier(last) !== undefined && !isWord(last, 'END') && (before.text === ')' || before.text === ']' || before.kind === 'string' || before.kind === 'number' || identifier(before) !== undefined)) {
      return { name: identifier(last)!, text, line };
    }
    return { name: null, text, line };
  });
  const fromName = fromAt === -1 ? undefined : qualifiedName(code, fromAt + 1);
  const simple = fromName && !(code[fromAt + 1]?.text === '(');
  return { outputs, from: simple ? fromName.name : undefined };
}

function isKeyword(t: Token): boolean {
  return ['NULL', 'TRUE', 'FALSE', 'CASE'].includes(t.value);
}

/** `EXCHANGE TABLES a AND b`: both names. */
export function exchangedTables(code: Token[]): [string, string] | undefined {
  if (!wordsAt(code, 0, ['EXCHANGE', 'TABLES|DICTIONARIES'])) return undefined;
  const a = qualifiedName(code, 2);
  if (!a || !isWord(code[a.next], 'AND')) return undefined;
  const b = qualifiedName(code, a.next + 1);
  return b ? [a.name, b.name] : undefined;
}

/** `DROP TABLE [IF EXISTS] a, b`: the names (ClickHouse and PostgreSQL). */
export function droppedTables(code: Token[]): string[] {
  if (!wordsAt(code, 0, ['DROP', 'TABLE'])) return [];
  let i = 2;
  if (wordsAt(code, i, ['IF', 'EXISTS'])) i += 2;
  return splitTop(code, i)
    .map((part) => qualifiedName(part, 0)?.name)
    .filter((n): n is string => n !== undefined && !['ON', 'SYNC', 'CASCADE', 'RESTRICT'].includes(n.toUpperCase()));
}
