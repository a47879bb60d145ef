// Indexes (ClickHouse skip indexes, PostgreSQL indexes) and constraints of one table.
// An index is an optimisation: missing, extra, renamed or duplicated ones are warnings,
// except unique indexes, which decide which inserts succeed. Constraints decide that too:
// any difference in them is an error, except a name.
import { findDuplicates, matchNamed } from './compare-named.js';
import type { Difference, IndexInfo, TableInfo } from './types.js';

export function compareIndexes(expected: TableInfo, live: TableInfo): Difference[] {
  const out: Difference[] = [];
  const table = expected.name;
  const expectedNames = new Set(expected.indexes.map((i) => i.name));
  const duplicates = findDuplicates(live.indexes, expectedNames, (i) => i.constraint !== null);
  const dropped = new Set(duplicates.map((d) => d.drop.name));
  for (const d of duplicates) {
    out.push({
      kind: 'duplicate_index', object: `${table}.${d.drop.name}`, table, item: d.drop.name, severity: 'warning',
      expected: null, actual: `${d.drop.definition} (same as ${d.keep.constraint ? `constraint ${d.keep.constraint}` : d.keep.name})`,
    });
  }
  // Indexes that back a constraint are compared as constraints.
  const own = (indexes: IndexInfo[]) => indexes.filter((i) => i.constraint === null && !dropped.has(i.name));
  const match = matchNamed(own(expected.indexes), own(live.indexes));
  const severity = (i: IndexInfo) => (i.unique ? 'error' : 'warning');
  for (const e of match.missing) out.push({ kind: 'missing_index', object: `${table}.${e.name}`, table, item: e.name, expected: e.definition, actual: null, severity: severity(e) });
  for (const l of match.extra) out.push({ kind: 'extra_index', object: `${table}.${l.name}`, table, item: l.name, expected: null, actual: l.definition, severity: severity(l) });
  for (const { expected: e, live: l } of match.renamed) {
    out.push({ kind: 'index_name', object: `${table}.${e.name}`, table, item: e.name, expected: e.name, actual: l.name, severity: 'warning' });
  }
  for (const { expected: e, live: l } of match.changed) {
    out.push({ kind: 'index_definition', object: `${table}.${e.name}`, table, item: e.name, expected: e.definition, actual: l.definition, severity: e.unique || l.unique ? 'error' : 'warning' });
  }
  return out;
}

export function compareConstraints(expected: TableInfo, live: TableInfo): Difference[] {
  const out: Difference[] = [];
  const table = expected.name;
  const match = matchNamed(expected.constraints, live.constraints);
  for (const e of match.missing) out.push({ kind: 'missing_constraint', object: `${table}.${e.name}`, table, item: e.name, expected: e.definition, actual: null, severity: 'error' });
  for (const l of match.extra) out.push({ kind: 'extra_constraint', object: `${table}.${l.name}`, table, item: l.name, expected: null, actual: l.definition, severity: 'error' });
  for (const { expected: e, live: l } of match.renamed) {
    out.push({ kind: 'constraint_name', object: `${table}.${e.name}`, table, item: e.name, expected: e.name, actual: l.name, severity: 'warning' });
  }
  for (const { expected: e, live: l } of match.changed) {
    out.push({ kind: 'constraint_definition', object: `${table}.${e.name}`, table, item: e.name, expected: e.definition, actual: l.definition, severity: 'error' });
  }
  return out;
}
