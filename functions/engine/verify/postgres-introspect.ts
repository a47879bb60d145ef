// The schema of a PostgreSQL database as a SchemaSnapshot, from the catalogs. Types,
// defaults, index and constraint definitions and view queries are all printed by the
// server itself (format_type, pg_get_expr, pg_get_indexdef, pg_get_constraintdef,
// pg_get_viewdef), so the scratch database and the live one, on the same server, print
// identical text for identical objects. Index names are taken out of index definitions,
// so the same index under another name is recognised.
import type { Executor } from '../drivers/driver.js';
import { isExcludedObject } from './normalize.js';
import { createTableSql, createViewSql } from './postgres-ddl.js';
import type { ColumnInfo, ConstraintInfo, ConstraintKind, IndexInfo, SchemaSnapshot, TableInfo, ViewInfo } from './types.js';

type RelationRow = {
  oid: string;
  schema: string;
  name: string;
  kind: string;
  in_current: boolean;
  partition_key: string | null;
  view_def: string | null;
};
type ColumnRow = { oid: string; name: string; type: string; not_null: boolean; default_expr: string | null; identity: string; generated: string };
type IndexRow = { oid: string; name: string; def: string; is_unique: boolean; is_valid: boolean; constraint_name: string | null };
type ConstraintRow = { oid: string; name: string; type: string; def: string };

// Schemas of the server and of extensions (TimescaleDB keeps its catalog in _timescaledb_*),
// and verify's own scratch schemas. With `{schema}` bound: that one schema (a verify scratch).
const ALL_USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND n.nspname NOT LIKE '\\_timescaledb%' AND n.nspname NOT LIKE 'timescaledb\\_%' AND n.nspname NOT LIKE 'hourglass\\_verify\\_%'`;
const ONE_SCHEMA = 'n.nspname = {schema}';

const RELATIONS = (USER_SCHEMAS: string) => `SELECT c.oid::bigint::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       n.nspname = current_schema() AS in_current,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS view_def
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm') AND ${USER_SCHEMAS}
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY n.nspname, c.relname`;

const COLUMNS = (USER_SCHEMAS: string) => `SELECT a.attrelid::bigint::text AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       a.attidentity::text AS identity, a.attgenerated::text AS generated
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_SCHEMAS}
 ORDER BY a.attrelid, a.attnum`;

const INDEXES = (USER_SCHEMAS: string) => `SELECT i.indrelid::bigint::text AS oid, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def,
       i.indisunique AS is_unique, i.indisvalid AS is_valid, con.conname AS constraint_name
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
  LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
 WHERE ${USER_SCHEMAS}
 ORDER BY ic.relname`;

const CONSTRAINTS = (USER_SCHEMAS: string) => `SELECT con.conrelid::bigint::text AS oid, con.conname AS name, con.contype::text AS type,
       pg_get_constraintdef(con.oid, true) AS def
  FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
 WHERE con.conrelid <> 0 AND con.contype IN ('p', 'f', 'c', 'u', 'x') AND ${USER_SCHEMAS}
 ORDER BY con.conname`;

const CONSTRAINT_KINDS: Record<string, ConstraintKind> = { p: 'primary_key', f: 'foreign_key', c: 'check', u: 'unique', x: 'exclusion' };

/** `schema`: only that schema (a verify scratch schema, first on the search_path, so its names print unqualified). */
export async function introspectPostgres(exec: Executor, opts: { schema?: string } = {}): Promise<SchemaSnapshot> {
  const [{ db }] = await exec.query<{ db: string }>('SELECT current_database() AS db');
  const scope = opts.schema === undefined ? ALL_USER_SCHEMAS : ONE_SCHEMA;
  const params = opts.schema === undefined ? undefined : { schema: opts.schema };
  const relations = (await exec.query<RelationRow>(RELATIONS(scope), params)).filter((r) => !isExcludedObject(r.name));
  const columns = groupBy(await exec.query<ColumnRow>(COLUMNS(scope), params));
  const indexes = groupBy(await exec.query<IndexRow>(INDEXES(scope), params));
  const constraints = groupBy(await exec.query<ConstraintRow>(CONSTRAINTS(scope), params));
  const snapshot: SchemaSnapshot = { engine: 'postgres', database: db, tables: [], views: [] };
  for (const r of relations) {
    const name = r.in_current ? r.name : `${r.schema}.${r.name}`;
    const cols = (columns.get(r.oid) ?? []).map(columnInfo);
    if (r.kind === 'v' || r.kind === 'm') {
      snapshot.views.push(viewInfo(name, r, cols));
      continue;
    }
    const table: TableInfo = {
      name,
      columns: cols,
      engine: r.kind === 'p' ? 'partitioned table' : 'table',
      sortingKey: null,
      primaryKey: null,
      partitionKey: r.partition_key,
      samplingKey: null,
      ttl: null,
      indexes: (indexes.get(r.oid) ?? []).map(indexInfo),
      constraints: (constraints.get(r.oid) ?? []).map((c): ConstraintInfo => ({ name: c.name, kind: CONSTRAINT_KINDS[c.type]!, definition: c.def })),
      createSql: '',
    };
    table.createSql = createTableSql(table);
    snapshot.tables.push(table);
  }
  return snapshot;
}

function groupBy<T extends { oid: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) map.set(row.oid, [...(map.get(row.oid) ?? []), row]);
  return map;
}

function columnInfo(c: ColumnRow): ColumnInfo {
  let def: string | null = null;
  if (c.identity === 'a') def = 'GENERATED ALWAYS AS IDENTITY';
  else if (c.identity === 'd') def = 'GENERATED BY DEFAULT AS IDENTITY';
  else if (c.generated === 's') def = `GENERATED ALWAYS AS (${c.default_expr}) STORED`;
  else if (c.default_expr !== null) def = `DEFAULT ${c.default_expr}`;
  return { name: c.name, type: c.type, default: def, nullable: !c.not_null, codec: null, inKey: false };
}

const QUOTED_OR_BARE = `(?:"(?:[^"]|"")+"|[^\\s."]+)`;
const INDEX_DEF = new RegExp(`^CREATE (UNIQUE )?INDEX ${QUOTED_OR_BARE} ON (?:ONLY )?(?:${QUOTED_OR_BARE}\\.)?${QUOTED_OR_BARE} (.*)$`, 's');

/** `CREATE UNIQUE INDEX name ON public.t USING btree (c)` → `UNIQUE USING btree (c)`: the index without its name and table. */
export function indexDefinition(def: string): string {
  const match = INDEX_DEF.exec(def);
  if (!match) return def;
  return `${match[1] ? 'UNIQUE ' : ''}${match[2]}`;
}

function indexInfo(i: IndexRow): IndexInfo {
  // A CREATE INDEX CONCURRENTLY that failed leaves an invalid index behind: it exists, but is never used.
  const definition = `${indexDefinition(i.def)}${i.is_valid ? '' : ' (INVALID: never used)'}`;
  return { name: i.name, definition, unique: i.is_unique, constraint: i.constraint_name };
}

function viewInfo(name: string, r: RelationRow, columns: ColumnInfo[]): ViewInfo {
  const query = (r.view_def ?? '').trim().replace(/;$/, '');
  const materialized = r.kind === 'm';
  return {
    name,
    materialized,
    target: null,
    query,
    columns,
    invalid: null,
    sources: [],
    createSql: createViewSql(name, materialized, query),
  };
}
