// What the TimescaleDB rules need to know across migrations, replayed with the rest of the
// schema (schema.ts): a table's unique keys and foreign keys, whether rows were put in, whether
// it is a hypertable and on which columns, its retention policy, and each continuous aggregate
// with its source and refresh policy. Tables, views and policies are found by name as
// TimescaleDB's regclass arguments resolve them (an unquoted name folds to lower case).
import type { Token } from '../sql/lexer.js';
import { addedColumn, afterCreate, parseAlterTable, parseCreateTable, type CreateTable } from './ddl.js';
import type { Schema, TableShape, UniqueKey } from './schema.js';
import { aggregatePolicyCalls, continuousAggregate, droppedViews, hypertableCalls, removedFrom, retentionCalls } from './timescale.js';
import { closing, findTopWords, identifier, isWord, qualifiedName, splitTop, wordsAt } from './tokens.js';

/** The schema's entry for a name as PostgreSQL resolves it: exact, else the one an unquoted name folds to. */
export function lookup(schema: Schema, name: string): { name: string; shape: TableShape } | undefined {
  const exact = schema.get(name);
  if (exact) return { name, shape: exact };
  for (const [key, shape] of schema) if (key.toLowerCase() === name.toLowerCase()) return { name: key, shape };
  return undefined;
}

/** Keys and foreign keys a CREATE TABLE declares, column-level and table-level. */
export function tableFacts(create: CreateTable): Pick<TableShape, 'uniqueKeys' | 'references'> {
  const uniqueKeys: UniqueKey[] = [];
  const references: string[] = [];
  for (const c of create.columns ?? []) {
    const key = columnKey(create.name, c.name, c.rest);
    if (key) uniqueKeys.push(key);
    const ref = referenced(c.rest);
    if (ref) references.push(ref);
  }
  for (const item of create.items) {
    const key = itemKey(create.name, item);
    if (key) uniqueKeys.push(key);
    const ref = referenced(item);
    if (ref) references.push(ref);
  }
  return { uniqueKeys, references };
}

function columnKey(table: string, column: string, rest: Token[]): UniqueKey | undefined {
  if (findTopWords(rest, ['PRIMARY', 'KEY']) !== -1) return { name: `${table}_pkey`, columns: [column], text: `PRIMARY KEY (${column})` };
  if (findTopWords(rest, ['UNIQUE']) !== -1) return { name: `${table}_${column}_key`, columns: [column], text: `UNIQUE (${column})` };
  return undefined;
}

/** `[CONSTRAINT n] PRIMARY KEY (a, b)` or `[CONSTRAINT n] UNIQUE [NULLS [NOT] DISTINCT] (a, b)`. */
function itemKey(table: string, item: Token[]): UniqueKey | undefined {
  let i = 0;
  let name: string | undefined;
  if (isWord(item[0], 'CONSTRAINT')) {
    name = identifier(item[1]);
    i = 2;
  }
  const primary = wordsAt(item, i, ['PRIMARY', 'KEY']);
  if (!primary && !isWord(item[i], 'UNIQUE')) return undefined;
  const open = item.findIndex((t, k) => k > i && t.text === '(');
  if (open === -1) return undefined; // e.g. ADD CONSTRAINT … PRIMARY KEY USING INDEX
  const columns = splitTop(item, open + 1, closing(item, open)).map((p) => identifier(p[0])).filter((c): c is string => c !== undefined);
  const text = `${primary ? 'PRIMARY KEY' : 'UNIQUE'} (${columns.join(', ')})`;
  return { name: name ?? (primary ? `${table}_pkey` : `${table}_${columns.join('_')}_key`), columns, text };
}

function referenced(tokens: Token[]): string | undefined {
  const at = tokens.findIndex((t) => isWord(t, 'REFERENCES'));
  return at === -1 ? undefined : qualifiedName(tokens, at + 1)?.name;
}

/** Applies the statement's keys, rows, hypertables, aggregates and policies (in place). `at` is `file:line`. */
export function applyTimescaleFacts(schema: Schema, code: Token[], at: string): void {
  const alter = parseAlterTable(code);
  if (alter) {
    const table = lookup(schema, alter.name)?.shape;
    if (table) for (const action of alter.actions) alterFacts(table, alter.name, action);
    return;
  }
  const index = uniqueIndex(code);
  if (index) {
    const table = lookup(schema, index.table)?.shape;
    if (table) table.uniqueKeys = [...(table.uniqueKeys ?? []), index.key];
    return;
  }
  if (isWord(code[0], 'DROP') && isWord(code[1], 'INDEX')) {
    let i = isWord(code[2], 'CONCURRENTLY') ? 3 : 2;
    if (wordsAt(code, i, ['IF', 'EXISTS'])) i += 2;
    const names = new Set(splitTop(code, i).map((p) => qualifiedName(p, 0)?.name));
    for (const shape of schema.values()) if (shape.uniqueKeys?.some((k) => names.has(k.name))) shape.uniqueKeys = shape.uniqueKeys.filter((k) => !names.has(k.name));
    return;
  }
  const filled = filledTable(code);
  if (filled) {
    const table = lookup(schema, filled)?.shape;
    if (table && table.filledAt === undefined) table.filledAt = at;
    return;
  }
  if (isWord(code[0], 'TRUNCATE')) {
    for (const part of splitTop(code, isWord(code[1], 'TABLE') ? 2 : 1)) {
      const name = qualifiedName(part, isWord(part[0], 'ONLY') ? 1 : 0)?.name;
      const table = name === undefined ? undefined : lookup(schema, name)?.shape;
      if (table) delete table.filledAt;
    }
    return;
  }
  const aggregate = continuousAggregate(code);
  if (aggregate) {
    if (!(schema.has(aggregate.name) && afterCreate(code, ['MATERIALIZED', 'VIEW'])?.ifNotExists)) {
      schema.set(aggregate.name, { columns: null, sortingKey: [], aggregate: { source: aggregate.source } });
    }
    return;
  }
  for (const name of droppedViews(code)) {
    const view = lookup(schema, name);
    if (view?.shape.aggregate) schema.delete(view.name);
  }
  for (const call of hypertableCalls(code)) {
    const table = lookup(schema, call.table)?.shape;
    if (table && !table.hypertable) table.hypertable = { columns: call.columns };
  }
  for (const call of retentionCalls(code)) {
    const table = lookup(schema, call.table)?.shape;
    if (table) table.retention = { dropAfter: call.dropAfter, at };
  }
  for (const name of removedFrom(code, 'REMOVE_RETENTION_POLICY')) {
    const table = lookup(schema, name)?.shape;
    if (table) delete table.retention;
  }
  for (const call of aggregatePolicyCalls(code)) {
    const view = lookup(schema, call.view)?.shape;
    if (view?.aggregate) view.aggregate = { ...view.aggregate, policy: { startOffset: call.startOffset, at } };
  }
  for (const name of removedFrom(code, 'REMOVE_CONTINUOUS_AGGREGATE_POLICY')) {
    const view = lookup(schema, name)?.shape;
    if (view?.aggregate) view.aggregate = { source: view.aggregate.source };
  }
}

function alterFacts(table: TableShape, name: string, action: Token[]): void {
  const added = addedColumn(action);
  if (added) {
    const key = columnKey(name, added.name, added.rest);
    if (key) table.uniqueKeys = [...(table.uniqueKeys ?? []), key];
    const ref = referenced(added.rest);
    if (ref) table.references = [...(table.references ?? []), ref];
    return;
  }
  if (isWord(action[0], 'ADD')) {
    const item = action.slice(1);
    const key = itemKey(name, item);
    if (key) table.uniqueKeys = [...(table.uniqueKeys ?? []), key];
    const ref = referenced(item);
    if (ref) table.references = [...(table.references ?? []), ref];
    return;
  }
  if (wordsAt(action, 0, ['DROP', 'CONSTRAINT'])) {
    const dropped = identifier(action[wordsAt(action, 2, ['IF', 'EXISTS']) ? 4 : 2]);
    if (dropped !== undefined) table.uniqueKeys = (table.uniqueKeys ?? []).filter((k) => k.name !== dropped);
    return;
  }
  if (wordsAt(action, 0, ['DROP', 'COLUMN'])) {
    const dropped = identifier(action[wordsAt(action, 2, ['IF', 'EXISTS']) ? 4 : 2])?.toLowerCase();
    table.uniqueKeys = (table.uniqueKeys ?? []).filter((k) => !k.columns.some((c) => c.toLowerCase() === dropped));
  }
}

/** `CREATE UNIQUE INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] t [USING m] (a, b)`. */
export function uniqueIndex(code: Token[]): { table: string; key: UniqueKey } | undefined {
  if (!isWord(code[0], 'CREATE') || !isWord(code[1], 'UNIQUE') || !afterCreate(code, ['INDEX'])) return undefined;
  const on = code.findIndex((t) => isWord(t, 'ON'));
  if (on === -1) return undefined;
  const head = afterCreate(code, ['INDEX'])!;
  const name = head.next < on ? identifier(code[head.next]) : undefined;
  const table = qualifiedName(code, isWord(code[on + 1], 'ONLY') ? on + 2 : on + 1);
  if (!table) return undefined;
  const open = code.findIndex((t, k) => k >= table.next && t.text === '(');
  if (open === -1) return undefined;
  const columns = splitTop(code, open + 1, closing(code, open)).map((p) => (p.length === 1 ? identifier(p[0]) : undefined));
  // An expression index: which columns it covers is not known, so it is not recorded.
  if (columns.some((c) => c === undefined)) return undefined;
  const indexName = name ?? `${table.name}_${columns.join('_')}_idx`;
  return { table: table.name, key: { name: indexName, columns: columns as string[], text: `unique index ${indexName} (${columns.join(', ')})` } };
}

/** The table an `INSERT INTO t …` or `COPY t … FROM …` puts rows into. */
export function filledTable(code: Token[]): string | undefined {
  const insert = findTopWords(code, ['INSERT', 'INTO']);
  if (insert !== -1 && (insert === 0 || isWord(code[0], 'WITH'))) return qualifiedName(code, insert + 2)?.name;
  if (isWord(code[0], 'COPY')) {
    const table = qualifiedName(code, 1);
    if (!table) return undefined;
    const after = code[table.next]?.text === '(' ? closing(code, table.next) + 1 : table.next;
    return isWord(code[after], 'FROM') ? table.name : undefined;
  }
  return undefined;
}
