// DDL text rebuilt from a PostgreSQL snapshot: PostgreSQL has no SHOW CREATE TABLE, so
// a table the live database lacks is recreated from its columns and constraints, and its
// indexes and foreign keys are added by separate statements (see repair-postgres.ts).
import { quoteName, quotePg } from './quote.js';
import type { ColumnInfo, ConstraintInfo, IndexInfo, TableInfo } from './types.js';

export function columnSpec(c: ColumnInfo): string {
  const parts = [quotePg(c.name), c.type];
  if (c.default !== null) parts.push(c.default);
  // Identity columns are NOT NULL by definition; saying it again is harmless.
  if (!c.nullable) parts.push('NOT NULL');
  return parts.join(' ');
}

/** Foreign keys are left out: the tables they reference may not exist yet. */
export function createTableSql(table: TableInfo): string {
  const lines = table.columns.map((c) => `    ${columnSpec(c)}`);
  for (const c of table.constraints) if (c.kind !== 'foreign_key') lines.push(`    CONSTRAINT ${quotePg(c.name)} ${c.definition}`);
  const partition = table.partitionKey ? ` PARTITION BY ${table.partitionKey}` : '';
  return `CREATE TABLE IF NOT EXISTS ${quoteName('postgres', table.name)} (\n${lines.join(',\n')}\n)${partition}`;
}

export function createIndexSql(table: string, index: IndexInfo): string {
  const unique = index.definition.startsWith('UNIQUE ');
  const rest = unique ? index.definition.slice('UNIQUE '.length) : index.definition;
  return `CREATE ${unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quotePg(index.name)} ON ${quoteName('postgres', table)} ${rest}`;
}

/** Dropping first makes the statement safe to run again (and on the scratch database, which already has it). */
export function addConstraintSql(table: string, c: ConstraintInfo): string {
  const name = quotePg(c.name);
  return `ALTER TABLE ${quoteName('postgres', table)} DROP CONSTRAINT IF EXISTS ${name}, ADD CONSTRAINT ${name} ${c.definition}`;
}

export function createViewSql(name: string, materialized: boolean, query: string): string {
  return `CREATE ${materialized ? 'MATERIALIZED ' : ''}VIEW ${quoteName('postgres', name)} AS\n${query}`;
}
