// Repair statements for PostgreSQL. Nearly everything changes in place: columns (ADD,
// ALTER TYPE … USING, defaults, NOT NULL), indexes, constraints, views. A change between
// a plain and a partitioned table needs a rebuild, reported and never run. Statements are
// safe to run twice (IF [NOT] EXISTS, drop-then-add), because a written repair becomes a
// migration that also runs on the scratch database, where it finds everything in place.
import { addConstraintSql, columnSpec, createIndexSql, createTableSql } from './postgres-ddl.js';
import { quoteName, quotePg } from './quote.js';
import { PHASE, RepairCollector } from './repair-plan.js';
import { timescaleRepair } from './repair-timescale.js';
import type { ColumnInfo, ConstraintInfo, Difference, RepairPlan, SchemaSnapshot, TableInfo } from './types.js';

const IDENTITY_OR_GENERATED = /^GENERATED /;

export function postgresRepair(expected: SchemaSnapshot, live: SchemaSnapshot, diffs: Difference[]): RepairPlan {
  const r = new RepairCollector();
  const expTables = new Map(expected.tables.map((t) => [t.name, t]));
  const liveTables = new Map(live.tables.map((t) => [t.name, t]));
  const rebuild = new Map<string, string[]>();
  const typeChanged = new Set<string>();

  for (const d of diffs) {
    const e = expTables.get(d.table);
    const l = liveTables.get(d.table);
    const t = quoteName('postgres', d.table);
    switch (d.kind) {
      case 'missing_table':
        createTable(r, e!);
        break;
      case 'missing_column':
        r.add(PHASE.addColumns, `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS ${columnSpec(column(e!, d.item!))}`, `add missing column ${d.object}`);
        break;
      case 'column_type': {
        const c = quotePg(d.item!);
        typeChanged.add(d.table);
        r.add(PHASE.modifyColumns, `ALTER TABLE ${t} ALTER COLUMN ${c} TYPE ${d.expected} USING ${c}::${d.expected}`, `column ${d.object}: ${d.actual} → ${d.expected} (rewrites the table)`);
        break;
      }
      case 'column_default':
        columnDefault(r, d, column(e!, d.item!), column(l!, d.item!));
        break;
      case 'column_nullability':
        r.add(PHASE.columnNullability, `ALTER TABLE ${t} ALTER COLUMN ${quotePg(d.item!)} ${d.expected === 'NOT NULL' ? 'SET' : 'DROP'} NOT NULL`, `column ${d.object}: ${d.actual} → ${d.expected}`);
        break;
      case 'duplicate_index': case 'extra_index':
        r.add(PHASE.dropIndexes, `DROP INDEX IF EXISTS ${indexName(d.table, d.item!)}`, `${d.kind === 'duplicate_index' ? 'duplicate' : 'extra'} index ${d.object}: ${d.actual}`);
        break;
      case 'index_definition':
        r.add(PHASE.dropIndexes, `DROP INDEX IF EXISTS ${indexName(d.table, d.item!)}`, `index ${d.object} differs: ${d.actual}`);
        r.add(PHASE.createIndexes, createIndexSql(d.table, e!.indexes.find((i) => i.name === d.item)!), `index ${d.object} as the migrations define it`);
        break;
      case 'missing_index':
        r.add(PHASE.createIndexes, createIndexSql(d.table, e!.indexes.find((i) => i.name === d.item)!), `create missing index ${d.object}`);
        break;
      case 'index_name':
        r.add(PHASE.createIndexes, `ALTER INDEX IF EXISTS ${indexName(d.table, d.actual!)} RENAME TO ${quotePg(d.item!)}`, `index ${d.actual} is named ${d.item} in the migrations`);
        break;
      case 'extra_constraint': case 'constraint_definition': {
        const c = (d.kind === 'extra_constraint' ? l! : e!).constraints.find((x) => x.name === d.item)!;
        r.add(c.kind === 'foreign_key' ? PHASE.dropForeignKeys : PHASE.dropConstraints, `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${quotePg(d.item!)}`, `${d.kind === 'extra_constraint' ? 'extra' : 'changed'} constraint ${d.object}: ${d.actual}`);
        if (d.kind === 'constraint_definition') addConstraint(r, d.table, c);
        break;
      }
      case 'missing_constraint':
        addConstraint(r, d.table, e!.constraints.find((x) => x.name === d.item)!);
        break;
      case 'constraint_name':
        r.add(PHASE.addConstraints, renameConstraintSql(d.table, d.actual!, d.item!), `constraint ${d.actual} is named ${d.item} in the migrations`);
        break;
      case 'engine': case 'partition_key':
        rebuild.set(d.table, [...(rebuild.get(d.table) ?? []), `${d.kind.replace('_', ' ')} ${d.actual ?? 'none'} → ${d.expected ?? 'none'}`]);
        break;
      case 'extra_table':
        r.note(`extra table ${d.table} is not in the migrations; left alone. If unused: DROP TABLE ${t};`);
        break;
      case 'extra_column':
        r.note(`extra column ${d.object} (${d.actual}) is not in the migrations; left alone. If unused: ALTER TABLE ${t} DROP COLUMN ${quotePg(d.item!)};`);
        break;
      default:
        break;
    }
  }
  repairViews(r, expected, live, diffs, typeChanged);
  timescaleRepair(r, expected, live, diffs);
  for (const [table, reasons] of rebuild) r.rebuilds.push({ table, reasons, steps: rebuildSteps(expTables.get(table)!) });
  return r.plan();
}

function column(t: TableInfo, name: string): ColumnInfo {
  return t.columns.find((c) => c.name === name)!;
}

/** Indexes live in their table's schema. */
function indexName(table: string, index: string): string {
  const dot = table.indexOf('.');
  return dot > 0 ? `${quotePg(table.slice(0, dot))}.${quotePg(index)}` : quotePg(index);
}

function createTable(r: RepairCollector, e: TableInfo): void {
  r.add(PHASE.createTables, createTableSql(e), `create missing table ${e.name}`);
  for (const i of e.indexes) if (i.constraint === null) r.add(PHASE.createIndexes, createIndexSql(e.name, i), `index ${i.name} of the new table ${e.name}`);
  for (const c of e.constraints) if (c.kind === 'foreign_key') addConstraint(r, e.name, c);
}

function addConstraint(r: RepairCollector, table: string, c: ConstraintInfo): void {
  r.add(c.kind === 'foreign_key' ? PHASE.addForeignKeys : PHASE.addConstraints, addConstraintSql(table, c), `constraint ${table}.${c.name}: ${c.definition}`);
}

function columnDefault(r: RepairCollector, d: Difference, e: ColumnInfo, l: ColumnInfo): void {
  if (IDENTITY_OR_GENERATED.test(e.default ?? '') || IDENTITY_OR_GENERATED.test(l.default ?? '')) {
    r.note(`column ${d.object}: ${l.default ?? 'no default'} → ${e.default ?? 'no default'} — identity and generated columns are changed by hand`);
    return;
  }
  const t = quoteName('postgres', d.table);
  const c = quotePg(e.name);
  const sql = e.default === null ? `ALTER TABLE ${t} ALTER COLUMN ${c} DROP DEFAULT` : `ALTER TABLE ${t} ALTER COLUMN ${c} SET ${e.default}`;
  r.add(PHASE.columnDefaults, sql, `column ${d.object}: ${l.default ?? 'no default'} → ${e.default ?? 'no default'}`);
}

/** RENAME CONSTRAINT has no IF EXISTS; the block makes it a no-op where the rename is done. */
function renameConstraintSql(table: string, from: string, to: string): string {
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const t = quoteName('postgres', table);
  return `DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = ${literal(from)} AND conrelid = ${literal(t)}::regclass) THEN
    ALTER TABLE ${t} RENAME CONSTRAINT ${quotePg(from)} TO ${quotePg(to)};
  END IF;
END $$`;
}

function repairViews(r: RepairCollector, expected: SchemaSnapshot, live: SchemaSnapshot, diffs: Difference[], typeChanged: Set<string>): void {
  const expViews = new Map(expected.views.map((v) => [v.name, v]));
  for (const d of diffs) {
    const e = expViews.get(d.table);
    const l = live.views.find((v) => v.name === d.table);
    if ((d.kind === 'view_query' || d.kind === 'view_target') && e && l) {
      r.add(PHASE.dropViews, `DROP ${l.materialized ? 'MATERIALIZED ' : ''}VIEW IF EXISTS ${quoteName('postgres', l.name)}`, `view ${d.table} differs from the migrations`);
      r.add(PHASE.createViews, e.createSql, `recreate view ${d.table} as the migrations define it`);
    } else if (d.kind === 'missing_view' && e) {
      r.add(PHASE.createViews, e.createSql, `create missing view ${d.table}`);
    } else if (d.kind === 'extra_view') {
      r.note(`extra view ${d.table} is not in the migrations; left alone. If unused: DROP VIEW ${quoteName('postgres', d.table)};`);
    }
  }
  // ALTER COLUMN … TYPE refuses columns a view uses: such views are dropped first and recreated after.
  for (const v of live.views) {
    const e = expViews.get(v.name);
    if (!e || ![...typeChanged].some((t) => new RegExp(`\\b${t.split('.').pop()}\\b`).test(v.query))) continue;
    r.add(PHASE.dropDependentViews, `DROP ${v.materialized ? 'MATERIALIZED ' : ''}VIEW IF EXISTS ${quoteName('postgres', v.name)}`, `view ${v.name} reads a table whose column types change: dropped first, recreated after`);
    r.add(PHASE.createViews, e.createSql, `recreate view ${v.name} as the migrations define it`);
  }
}

function rebuildSteps(e: TableInfo): string[] {
  const staging = `${e.name}_hg_rebuild`;
  const columns = e.columns.filter((c) => !IDENTITY_OR_GENERATED.test(c.default ?? '')).map((c) => quotePg(c.name)).join(', ');
  const create = createTableSql({ ...e, name: staging, constraints: [] });
  return [
    create,
    `INSERT INTO ${quoteName('postgres', staging)} (${columns}) SELECT ${columns} FROM ${quoteName('postgres', e.name)}`,
    `ALTER TABLE ${quoteName('postgres', e.name)} RENAME TO ${quotePg(`${e.name.split('.').pop()}_hg_old`)}`,
    `ALTER TABLE ${quoteName('postgres', staging)} RENAME TO ${quotePg(e.name.split('.').pop()!)}`,
    `-- then recreate the indexes and constraints of ${e.name} (as in the migrations) and drop the _hg_old table once checked`,
  ];
}
