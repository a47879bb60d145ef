// The ClickHouse schema the migrations produce, replayed statement by statement in version
// order: CREATE TABLE, ALTER … ADD/DROP/RENAME/MODIFY COLUMN, MODIFY ORDER BY, RENAME TABLE,
// EXCHANGE TABLES, DROP TABLE. Tables whose columns cannot be known from the text (CREATE …
// AS SELECT) are recorded as unknown, so no rule guesses about them. On PostgreSQL it also keeps
// what the TimescaleDB rules need (keys, rows, hypertables, aggregates, policies: timescale-schema.ts).
import type { Token } from '../sql/lexer.js';
import { addedColumn, droppedTables, exchangedTables, parseAlterTable, parseCreateTable, parseColumn, keyExpressions } from './ddl.js';
import { applyTimescaleFacts, tableFacts } from './timescale-schema.js';
import { identifier, isWord, qualifiedName, splitTop, wordsAt } from './tokens.js';

export interface TableShape {
  /** Column name → type; null when the columns are not known. */
  columns: Map<string, string> | null;
  sortingKey: Token[][];
  /** PostgreSQL: PRIMARY KEY and UNIQUE constraints, unique indexes. */
  uniqueKeys?: UniqueKey[];
  /** PostgreSQL: the tables this one's foreign keys reference. */
  references?: string[];
  /** `file:line` of the first INSERT or COPY into it (cleared by TRUNCATE). */
  filledAt?: string;
  /** TimescaleDB: a hypertable, partitioned on these columns. */
  hypertable?: { columns: string[] };
  /** TimescaleDB: its retention policy (`drop_after` as written; undefined with drop_created_before). */
  retention?: { dropAfter: Token[] | undefined; at: string };
  /** TimescaleDB: a continuous aggregate (no columns known), over `source`, with its refresh policy. */
  aggregate?: { source: string | undefined; policy?: { startOffset: Token[] | undefined; at: string } };
}

export interface UniqueKey {
  /** The constraint's or index's name (PostgreSQL's default when none is given). */
  name: string;
  columns: string[];
  /** As a message shows it: `PRIMARY KEY (id)`. */
  text: string;
}

export type Schema = Map<string, TableShape>;

/** A copy whose tables can change without changing this one's (their nested facts are replaced, never mutated). */
export function cloneSchema(schema: Schema): Schema {
  return new Map([...schema].map(([name, t]) => [name, { ...t, columns: t.columns ? new Map(t.columns) : null }]));
}

/** Applies one statement to the schema (in place). `at` (`file:line`) says where, for messages. */
export function applyStatement(schema: Schema, code: Token[], at = ''): void {
  const create = parseCreateTable(code);
  if (create) {
    if (create.ifNotExists && schema.has(create.name)) return;
    const columns = create.columns ? new Map(create.columns.map((c) => [c.name, c.type])) : copyOf(schema, create);
    schema.set(create.name, { columns, sortingKey: create.orderBy, ...tableFacts(create) });
    return;
  }
  applyTimescaleFacts(schema, code, at);
  const alter = parseAlterTable(code);
  if (alter) {
    const table = schema.get(alter.name);
    if (table) for (const action of alter.actions) applyAction(table, action);
    return;
  }
  const exchanged = exchangedTables(code);
  if (exchanged) {
    const [a, b] = exchanged.map((n) => schema.get(n));
    if (b) schema.set(exchanged[0], b);
    else schema.delete(exchanged[0]);
    if (a) schema.set(exchanged[1], a);
    else schema.delete(exchanged[1]);
    return;
  }
  if (wordsAt(code, 0, ['RENAME', 'TABLE'])) {
    for (const pair of splitTop(code, 2)) {
      const from = qualifiedName(pair, 0);
      const to = from && isWord(pair[from.next], 'TO') ? qualifiedName(pair, from.next + 1) : undefined;
      if (!from || !to) continue;
      const table = schema.get(from.name);
      schema.delete(from.name);
      if (table) schema.set(to.name, table);
    }
    return;
  }
  for (const name of droppedTables(code)) schema.delete(name);
}

/** `CREATE TABLE b AS a ENGINE …` copies a's columns; `AS SELECT` leaves them unknown. */
function copyOf(schema: Schema, create: { tail: Token[] }): Map<string, string> | null {
  if (!isWord(create.tail[0], 'AS') || isWord(create.tail[1], 'SELECT')) return null;
  const source = qualifiedName(create.tail, 1);
  const columns = source ? schema.get(source.name)?.columns : undefined;
  return columns ? new Map(columns) : null;
}

function applyAction(table: TableShape, action: Token[]): void {
  const columns = table.columns;
  const added = addedColumn(action);
  if (added) {
    columns?.set(added.name, added.type);
    return;
  }
  if (wordsAt(action, 0, ['DROP', 'COLUMN'])) {
    const at = wordsAt(action, 2, ['IF', 'EXISTS']) ? 4 : 2;
    const name = identifier(action[at]);
    if (name !== undefined) columns?.delete(name);
    return;
  }
  if (wordsAt(action, 0, ['RENAME', 'COLUMN'])) {
    const at = wordsAt(action, 2, ['IF', 'EXISTS']) ? 4 : 2;
    const from = identifier(action[at]);
    const to = isWord(action[at + 1], 'TO') ? identifier(action[at + 2]) : undefined;
    if (from === undefined || to === undefined || !columns) return;
    const type = columns.get(from);
    columns.delete(from);
    columns.set(to, type ?? '');
    return;
  }
  if (wordsAt(action, 0, ['MODIFY', 'COLUMN'])) {
    const at = wordsAt(action, 2, ['IF', 'EXISTS']) ? 4 : 2;
    const column = parseColumn(action.slice(at));
    if (column && column.type !== '' && columns?.has(column.name)) columns.set(column.name, column.type);
    return;
  }
  if (wordsAt(action, 0, ['MODIFY', 'ORDER', 'BY'])) table.sortingKey = keyExpressions(action, ['ORDER', 'BY']);
}
