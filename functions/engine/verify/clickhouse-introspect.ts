// The schema of the current ClickHouse database as a SchemaSnapshot, from system.tables,
// system.columns and system.data_skipping_indices. Everything is read in ClickHouse's own
// normalized form (types, key expressions, view queries are printed from the parsed AST),
// so text from the scratch database and from the live one compare directly.
import type { Executor } from '../drivers/driver.js';
import { errorMessage } from '../errors.js';
import { parseEngineFull } from './clickhouse-engine-clauses.js';
import { collapseWhitespace, isExcludedObject, stripDatabase, unquoteIdentifier } from './normalize.js';
import type { ColumnInfo, IndexInfo, SchemaSnapshot, TableInfo, ViewInfo } from './types.js';

type TableRow = {
  name: string;
  engine: string;
  engine_full: string;
  sorting_key: string;
  primary_key: string;
  partition_key: string;
  sampling_key: string;
  create_table_query: string;
  as_select: string;
  dependencies_table: string[];
};

type ColumnRow = {
  table: string;
  name: string;
  type: string;
  default_kind: string;
  default_expression: string;
  compression_codec: string;
  in_key: number;
};

type IndexRow = {
  table: string;
  name: string;
  type_full: string;
  expr: string;
  granularity: number;
};

const VIEW_ENGINES = new Set(['View', 'MaterializedView', 'LiveView', 'WindowView']);

export async function introspectClickHouse(exec: Executor): Promise<SchemaSnapshot> {
  const [{ db }] = await exec.query<{ db: string }>('SELECT currentDatabase() AS db');
  const tables = (await exec.query<TableRow>(
    `SELECT name, engine, engine_full, sorting_key, primary_key, partition_key, sampling_key, create_table_query, as_select, dependencies_table
       FROM system.tables WHERE database = currentDatabase() AND NOT is_temporary ORDER BY name`,
  )).filter((t) => !isExcludedObject(t.name));
  const columns = await exec.query<ColumnRow>(
    `SELECT table, name, type, default_kind, default_expression, compression_codec,
            is_in_sorting_key OR is_in_primary_key OR is_in_partition_key OR is_in_sampling_key AS in_key
       FROM system.columns WHERE database = currentDatabase() ORDER BY table, position`,
  );
  const indexes = await exec.query<IndexRow>(
    'SELECT table, name, type_full, expr, granularity FROM system.data_skipping_indices WHERE database = currentDatabase() ORDER BY table, name',
  );
  // A materialized view is triggered by inserts into the tables that list it as a dependency.
  const sourcesOf = new Map<string, string[]>();
  for (const t of tables) for (const dependent of t.dependencies_table ?? []) sourcesOf.set(dependent, [...(sourcesOf.get(dependent) ?? []), t.name]);

  const snapshot: SchemaSnapshot = { engine: 'clickhouse', database: db, tables: [], views: [] };
  for (const t of tables) {
    if (VIEW_ENGINES.has(t.engine)) snapshot.views.push(await viewInfo(exec, t, db, sourcesOf.get(t.name) ?? []));
    else snapshot.tables.push(tableInfo(t, db, columns.filter((c) => c.table === t.name), indexes.filter((i) => i.table === t.name)));
  }
  return snapshot;
}

function tableInfo(t: TableRow, db: string, columns: ColumnRow[], indexes: IndexRow[]): TableInfo {
  const clauses = parseEngineFull(t.engine_full, t.engine);
  const strip = (text: string) => stripDatabase(text, db);
  return {
    name: t.name,
    columns: columns.map(columnInfo),
    engine: strip(clauses.engine),
    sortingKey: t.sorting_key || null,
    primaryKey: t.primary_key || null,
    partitionKey: t.partition_key || null,
    samplingKey: t.sampling_key || null,
    ttl: clauses.ttl === null ? null : strip(clauses.ttl),
    indexes: indexes.map(indexInfo),
    constraints: [],
    createSql: strip(t.create_table_query),
  };
}

function columnInfo(c: ColumnRow): ColumnInfo {
  return {
    name: c.name,
    type: c.type,
    default: c.default_kind ? `${c.default_kind} ${c.default_expression}`.trim() : null,
    nullable: isNullableType(c.type),
    codec: c.compression_codec || null,
    inKey: Number(c.in_key) === 1,
  };
}

export function isNullableType(type: string): boolean {
  return /^(LowCardinality\()?Nullable\(/.test(type);
}

function indexInfo(i: IndexRow): IndexInfo {
  return { name: i.name, definition: `${i.expr} TYPE ${i.type_full} GRANULARITY ${i.granularity}`, unique: false, constraint: null };
}

async function viewInfo(exec: Executor, t: TableRow, db: string, sources: string[]): Promise<ViewInfo> {
  const createSql = stripDatabase(t.create_table_query, db);
  const materialized = t.engine === 'MaterializedView';
  let columns: ColumnInfo[] | null = null;
  let invalid: string | null = null;
  if (t.as_select) {
    try {
      // What the SELECT produces today, from the tables as they are now: the view's own
      // column list was fixed when it was created and may no longer be true.
      const described = await exec.query<{ name: string; type: string }>(`DESCRIBE (${t.as_select})`);
      columns = described.map((c) => ({ name: c.name, type: c.type, default: null, nullable: isNullableType(c.type), codec: null, inKey: false }));
    } catch (error) {
      // Only the server rejecting the query (a numbered ClickHouse error) means the view is
      // broken; a lost connection is not a finding.
      if (!(error instanceof Error) || !/^\d+$/.test(String((error as { code?: unknown }).code))) throw error;
      invalid = errorMessage(error).split('\n')[0].slice(0, 300);
    }
  }
  return {
    name: t.name,
    materialized,
    target: materialized ? viewTarget(createSql) : null,
    query: collapseWhitespace(stripDatabase(t.as_select, db)),
    columns,
    invalid,
    sources,
    createSql,
  };
}

/** `CREATE MATERIALIZED VIEW v [REFRESH …] TO target (…) AS SELECT …` → target; null for an inner-table view. */
export function viewTarget(createSql: string): string | null {
  const head = createSql.split(/\sAS\s+(?:SELECT|WITH|\()/i)[0] ?? createSql;
  const match = /\sTO\s+(`[^`]+`(?:\.`[^`]+`)?|[A-Za-z_][\w.]*)/.exec(head);
  if (!match) return null;
  return match[1].split('.').map(unquoteIdentifier).join('.');
}
