// Repair statements for ClickHouse. In place: ADD/MODIFY COLUMN, skip indexes, TTL, a
// sorting key extended with columns added in the same ALTER, views dropped and recreated.
// Not in place (reported as a rebuild, never run): engine, partition key, primary key,
// sampling key, other sorting-key changes, and type changes of key columns beyond an
// encoding. Every statement can run again without harm (IF [NOT] EXISTS, MODIFY to the
// same spec), because a written repair becomes a migration that also runs on scratch.
import { sameModuloLowCardinality } from './clickhouse-types.js';
import { checkProducedColumns } from './compare-views.js';
import { splitTopLevel } from './normalize.js';
import { quoteCh } from './quote.js';
import { PHASE, RepairCollector } from './repair-plan.js';
import type { ColumnInfo, Difference, RepairPlan, SchemaSnapshot, TableInfo } from './types.js';

const REBUILD_KINDS: Partial<Record<Difference['kind'], string>> = { engine: 'engine', partition_key: 'partition key', primary_key: 'primary key', sampling_key: 'sampling key' };

export function clickHouseRepair(expected: SchemaSnapshot, live: SchemaSnapshot, diffs: Difference[]): RepairPlan {
  const r = new RepairCollector();
  const expTables = new Map(expected.tables.map((t) => [t.name, t]));
  const liveTables = new Map(live.tables.map((t) => [t.name, t]));
  const rebuild = rebuildReasons(diffs, expTables, liveTables);
  const keyColumnsAdded = orderByExtensions(diffs, expTables, liveTables, rebuild);

  for (const d of diffs) {
    const e = expTables.get(d.table);
    const l = liveTables.get(d.table);
    const t = quoteCh(d.table);
    switch (d.kind) {
      case 'missing_table':
        r.add(PHASE.createTables, ifNotExists(e!.createSql), `create missing table ${d.table}`);
        break;
      case 'missing_column': {
        if (keyColumnsAdded.get(d.table)?.includes(d.item!)) break;
        r.add(PHASE.addColumns, `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS ${columnSpec(column(e!, d.item!))}${position(e!, d.item!)}`, `add missing column ${d.object}`);
        break;
      }
      case 'column_type': case 'column_nullability': case 'column_default': case 'column_codec':
        modifyColumn(r, d, column(e!, d.item!), column(l!, d.item!), rebuild.has(d.table));
        break;
      case 'ttl':
        if (rebuild.has(d.table)) break;
        r.add(PHASE.tableSettings, e!.ttl ? `ALTER TABLE ${t} MODIFY TTL ${e!.ttl}` : `ALTER TABLE ${t} REMOVE TTL`, `TTL of ${d.table}: ${d.actual ?? 'none'} → ${d.expected ?? 'none'}`);
        break;
      case 'sorting_key': {
        const added = keyColumnsAdded.get(d.table);
        if (!added) break;
        const adds = added.map((c) => `ADD COLUMN IF NOT EXISTS ${columnSpec(column(e!, c))}`);
        r.add(PHASE.tableSettings, `ALTER TABLE ${t} ${[...adds, `MODIFY ORDER BY (${e!.sortingKey})`].join(', ')}`, `sorting key of ${d.table}: (${d.actual}) → (${d.expected}), extended with new columns`);
        break;
      }
      case 'duplicate_index': case 'extra_index':
        // Dropping is metadata only: done even where a rebuild follows, so duplicates go now.
        r.add(PHASE.dropIndexes, `ALTER TABLE ${t} DROP INDEX IF EXISTS ${quoteCh(d.item!)}`, `${d.kind === 'duplicate_index' ? 'duplicate' : 'extra'} index ${d.object}: ${d.actual}`);
        break;
      case 'index_name': case 'index_definition': case 'missing_index': {
        if (rebuild.has(d.table)) break;
        const old = d.kind === 'index_name' ? d.actual! : d.kind === 'index_definition' ? d.item! : null;
        if (old) r.add(PHASE.dropIndexes, `ALTER TABLE ${t} DROP INDEX IF EXISTS ${quoteCh(old)}`, `${d.kind.replace('_', ' ')} ${d.object}: replace ${old}`);
        const index = e!.indexes.find((i) => i.name === d.item)!;
        r.add(PHASE.createIndexes, `ALTER TABLE ${t} ADD INDEX IF NOT EXISTS ${quoteCh(index.name)} ${index.definition}`, `index ${d.object}`);
        r.add(PHASE.createIndexes, `ALTER TABLE ${t} MATERIALIZE INDEX ${quoteCh(index.name)}`, `build index ${d.object} for the rows already stored (a mutation)`);
        break;
      }
      default:
        break;
    }
  }
  repairViews(r, expected, live, diffs);
  for (const [table, reasons] of rebuild) r.rebuilds.push({ table, reasons, steps: rebuildSteps(expTables.get(table)!) });
  for (const d of diffs) {
    if (d.kind === 'extra_table') r.note(`extra table ${d.table} (${d.actual}) is not in the migrations; left alone. If unused: DROP TABLE ${quoteCh(d.table)};`);
    if (d.kind === 'extra_column') r.note(`extra column ${d.object} (${d.actual}) is not in the migrations; left alone. If unused: ALTER TABLE ${quoteCh(d.table)} DROP COLUMN ${quoteCh(d.item!)};`);
  }
  return r.plan();
}

function column(t: TableInfo, name: string): ColumnInfo {
  return t.columns.find((c) => c.name === name)!;
}

function columnSpec(c: ColumnInfo): string {
  return [quoteCh(c.name), c.type, c.default, c.codec].filter((p) => p !== null).join(' ');
}

function position(t: TableInfo, name: string): string {
  const index = t.columns.findIndex((c) => c.name === name);
  return index === 0 ? ' FIRST' : ` AFTER ${quoteCh(t.columns[index - 1]!.name)}`;
}

function ifNotExists(createSql: string): string {
  return createSql.replace(/^CREATE (TABLE|MATERIALIZED VIEW|VIEW|DICTIONARY) (?!IF NOT EXISTS)/, 'CREATE $1 IF NOT EXISTS ');
}

/** A key column's type can change in place only in metadata (an encoding); anything else rewrites the key. */
function keyTypeChangeNeedsRebuild(e: ColumnInfo, l: ColumnInfo): boolean {
  return l.inKey && e.type !== l.type && !sameModuloLowCardinality(e.type, l.type);
}

function modifyColumn(r: RepairCollector, d: Difference, e: ColumnInfo, l: ColumnInfo, rebuilt: boolean): void {
  if (keyTypeChangeNeedsRebuild(e, l)) return; // part of the table's rebuild
  const t = quoteCh(d.table);
  const why = e.type !== l.type ? 'rewrites the column (a mutation)' : 'metadata only';
  r.add(PHASE.modifyColumns, `ALTER TABLE ${t} MODIFY COLUMN ${columnSpec(e)}`, `column ${d.object}: ${[l.type, l.default, l.codec].filter(Boolean).join(' ')} → ${[e.type, e.default, e.codec].filter(Boolean).join(' ')} (${why}${rebuilt ? '; the table is also rebuilt below' : ''})`);
  // MODIFY COLUMN keeps a default or codec it does not mention: remove them explicitly.
  if (e.default === null && l.default !== null) r.add(PHASE.modifyColumns, `ALTER TABLE ${t} MODIFY COLUMN ${quoteCh(e.name)} REMOVE DEFAULT`, `column ${d.object}: no default`);
  if (e.codec === null && l.codec !== null) r.add(PHASE.modifyColumns, `ALTER TABLE ${t} MODIFY COLUMN ${quoteCh(e.name)} REMOVE CODEC`, `column ${d.object}: default codec`);
}

function rebuildReasons(diffs: Difference[], exp: Map<string, TableInfo>, live: Map<string, TableInfo>): Map<string, string[]> {
  const reasons = new Map<string, string[]>();
  const add = (table: string, reason: string) => reasons.set(table, [...(reasons.get(table) ?? []), reason]);
  for (const d of diffs) {
    const label = REBUILD_KINDS[d.kind];
    if (label) add(d.table, `${label} ${d.actual ?? 'none'} → ${d.expected ?? 'none'}`);
    if (d.kind === 'sorting_key' && !canExtendOrderBy(exp.get(d.table)!, live.get(d.table)!, diffs)) add(d.table, `sorting key (${d.actual ?? ''}) → (${d.expected ?? ''})`);
    if (d.kind === 'column_type' || d.kind === 'column_nullability') {
      const e = column(exp.get(d.table)!, d.item!);
      const l = column(live.get(d.table)!, d.item!);
      if (keyTypeChangeNeedsRebuild(e, l)) add(d.table, `type of key column ${d.item} ${l.type} → ${e.type}`);
    }
  }
  return reasons;
}

/** New sorting-key expressions that only use columns added by the repair: MODIFY ORDER BY can append them. */
function canExtendOrderBy(e: TableInfo, l: TableInfo, diffs: Difference[]): boolean {
  return newKeyColumns(e, l, diffs) !== null;
}

function newKeyColumns(e: TableInfo, l: TableInfo, diffs: Difference[]): string[] | null {
  const current = splitTopLevel(l.sortingKey ?? '');
  const wanted = splitTopLevel(e.sortingKey ?? '');
  if (wanted.length <= current.length || current.some((expr, i) => wanted[i] !== expr)) return null;
  if (e.primaryKey !== l.primaryKey && !(e.primaryKey === e.sortingKey && l.primaryKey === l.sortingKey)) return null;
  // ClickHouse takes a new column into the key only in the ALTER that adds it, and only without a default.
  const added = new Set(diffs.filter((d) => d.kind === 'missing_column' && d.table === e.name && column(e, d.item!).default === null).map((d) => d.item!));
  const used = e.columns.map((c) => c.name).filter((name) => wanted.slice(current.length).some((expr) => new RegExp(`\\b${name}\\b`).test(expr)));
  return used.length > 0 && used.every((name) => added.has(name)) ? used : null;
}

function orderByExtensions(diffs: Difference[], exp: Map<string, TableInfo>, live: Map<string, TableInfo>, rebuild: Map<string, string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of diffs) {
    if (d.kind !== 'sorting_key' || rebuild.has(d.table)) continue;
    const columns = newKeyColumns(exp.get(d.table)!, live.get(d.table)!, diffs);
    if (columns) out.set(d.table, columns);
  }
  return out;
}

function rebuildSteps(e: TableInfo): string[] {
  const t = quoteCh(e.name);
  const staging = quoteCh(`${e.name}_hg_rebuild`);
  const create = e.createSql.replace(/^CREATE TABLE (?:IF NOT EXISTS )?(`(?:[^`\\]|\\.)+`|\S+)/, `CREATE TABLE ${staging}`);
  // MATERIALIZED, ALIAS and EPHEMERAL columns are computed, never inserted.
  const columns = e.columns.filter((c) => !/^(MATERIALIZED|ALIAS|EPHEMERAL)\b/.test(c.default ?? '')).map((c) => quoteCh(c.name)).join(', ');
  return [
    create,
    `INSERT INTO ${staging} (${columns}) SELECT ${columns} FROM ${t}`,
    `EXCHANGE TABLES ${t} AND ${staging}`,
    `DROP TABLE ${staging}`,
  ];
}

function repairViews(r: RepairCollector, expected: SchemaSnapshot, live: SchemaSnapshot, diffs: Difference[]): void {
  const expViews = new Map(expected.views.map((v) => [v.name, v]));
  const expTables = new Map(expected.tables.map((t) => [t.name, t]));
  const liveTables = new Map(live.tables.map((t) => [t.name, t]));
  for (const d of diffs) {
    const e = expViews.get(d.table);
    if ((d.kind === 'view_query' || d.kind === 'view_target') && e) {
      r.add(PHASE.dropViews, `DROP VIEW IF EXISTS ${quoteCh(d.table)}`, `view ${d.table} differs from the migrations: drop it (rows inserted until it is recreated are not passed on)`);
      r.add(PHASE.createViews, ifNotExists(e.createSql), `recreate view ${d.table} as the migrations define it`);
    } else if (d.kind === 'missing_view' && e) {
      r.add(PHASE.createViews, ifNotExists(e.createSql), `create missing view ${d.table}`);
    } else if (d.kind === 'extra_view') {
      r.note(`extra view ${d.table} (${d.actual}) is not in the migrations; left alone. If unused: DROP VIEW ${quoteCh(d.table)};`);
    } else if (d.kind === 'view_invalid') {
      const recreated = diffs.some((x) => x.table === d.table && (x.kind === 'view_query' || x.kind === 'view_target'));
      if (!recreated) r.note(`view ${d.table} cannot run its SELECT on the live database (${d.actual}); the statements above repair its sources where the migrations define them`);
    } else if (d.kind === 'mv_column_missing_in_target' || d.kind === 'mv_column_type_incompatible') {
      // Fixed by this repair when the migrations' own view fits the migrations' own target.
      const liveView = live.views.find((v) => v.name === d.table)!;
      const view = e ?? liveView;
      const target = view.target ? expTables.get(view.target) ?? liveTables.get(view.target) : undefined;
      const remaining = target ? checkProducedColumns(view, target).some((x) => x.object === d.object) : true;
      if (remaining) r.note(`${d.kind} ${d.object}: ${d.actual} — the migrations define it the same way: fix the migration`);
    }
  }
}
