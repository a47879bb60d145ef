// Views and materialized views, expected against live: existence, kind, TO target and
// query; then, for every live materialized view with a TO table, whether what its SELECT
// produces fits that table — the seed-002 failure, where views wrote columns their
// tables did not have, and types their tables held with less precision.
import { conversion } from './clickhouse-types.js';
import type { Difference, TableInfo, ViewInfo } from './types.js';

function kindOf(v: ViewInfo): string {
  return v.materialized ? (v.target ? `materialized view TO ${v.target}` : 'materialized view') : 'view';
}

export function compareViews(expected: ViewInfo[], live: ViewInfo[]): Difference[] {
  const out: Difference[] = [];
  const liveByName = new Map(live.map((v) => [v.name, v]));
  for (const e of expected) {
    const l = liveByName.get(e.name);
    const base = { object: e.name, table: e.name };
    if (!l) {
      out.push({ ...base, kind: 'missing_view', expected: kindOf(e), actual: null, severity: 'error' });
      continue;
    }
    if (e.materialized !== l.materialized || e.target !== l.target) {
      out.push({ ...base, kind: 'view_target', expected: kindOf(e), actual: kindOf(l), severity: 'error' });
    }
    if (e.query !== l.query) out.push({ ...base, kind: 'view_query', expected: e.query, actual: l.query, severity: 'error' });
  }
  const expectedNames = new Set(expected.map((v) => v.name));
  for (const l of live) {
    if (!expectedNames.has(l.name)) out.push({ object: l.name, table: l.name, kind: 'extra_view', expected: null, actual: kindOf(l), severity: 'warning' });
  }
  return out;
}

/**
 * Checks each live materialized view against its live TO table. `expectedTables` only
 * keeps a missing target from being reported twice (missing_table already says it).
 */
export function checkMaterializedViews(live: ViewInfo[], liveTables: TableInfo[], expectedTables: TableInfo[]): Difference[] {
  const out: Difference[] = [];
  const tables = new Map(liveTables.map((t) => [t.name, t]));
  for (const view of live) {
    if (!view.materialized || !view.target) continue;
    if (view.invalid !== null) {
      out.push({ kind: 'view_invalid', object: view.name, table: view.name, expected: 'a SELECT that runs', actual: view.invalid, severity: 'error' });
      continue;
    }
    const target = tables.get(view.target);
    if (!target) {
      if (!expectedTables.some((t) => t.name === view.target)) {
        out.push({ kind: 'view_target', object: view.name, table: view.name, expected: `an existing table ${view.target}`, actual: `TO ${view.target}, which does not exist`, severity: 'error' });
      }
      continue;
    }
    out.push(...checkProducedColumns(view, target));
  }
  return out;
}

export function checkProducedColumns(view: ViewInfo, target: TableInfo): Difference[] {
  const out: Difference[] = [];
  const columns = new Map(target.columns.map((c) => [c.name, c]));
  for (const produced of view.columns ?? []) {
    const object = `${view.name}.${produced.name}`;
    const column = columns.get(produced.name);
    if (!column) {
      out.push({
        kind: 'mv_column_missing_in_target', object, table: view.name, item: produced.name, severity: 'error',
        expected: `${target.name}.${produced.name} ${produced.type}`, actual: `${target.name} has no column ${produced.name}`,
      });
      continue;
    }
    const fit = conversion(produced.type, column.type);
    if (fit === 'exact') continue;
    out.push({
      kind: 'mv_column_type_incompatible', object, table: view.name, item: produced.name, severity: 'error',
      expected: `${target.name}.${produced.name} able to hold ${produced.type}`,
      actual: `${column.type} (${fit === 'lossy' ? `converting ${produced.type} → ${column.type} loses data` : 'cannot be converted'})`,
    });
  }
  return out;
}
