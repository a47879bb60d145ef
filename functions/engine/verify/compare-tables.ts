// Tables, expected against live: which exist, then each table's engine, keys and TTL,
// columns, indexes and constraints.
import type { Engine } from '../drivers/driver.js';
import { compareColumns } from './compare-columns.js';
import { compareConstraints, compareIndexes } from './compare-indexes.js';
import { splitTopLevel } from './normalize.js';
import type { Difference, Severity, TableInfo } from './types.js';

// Engines whose sorting key decides which rows are merged together: there it is semantics, not layout.
const KEY_SEMANTIC_ENGINES = /^(Replicated)?(Replacing|Collapsing|VersionedCollapsing|Aggregating|Summing|Coalescing)MergeTree/;

export function compareTables(engine: Engine, expected: TableInfo[], live: TableInfo[]): Difference[] {
  const out: Difference[] = [];
  const liveByName = new Map(live.map((t) => [t.name, t]));
  for (const e of expected) {
    const l = liveByName.get(e.name);
    if (!l) {
      out.push({ kind: 'missing_table', object: e.name, table: e.name, expected: e.engine, actual: null, severity: 'error' });
      continue;
    }
    out.push(...compareTableAttributes(e, l));
    out.push(...compareColumns(engine, e, l));
    out.push(...compareIndexes(e, l));
    out.push(...compareConstraints(e, l));
  }
  const expectedNames = new Set(expected.map((t) => t.name));
  for (const l of live) {
    if (!expectedNames.has(l.name)) out.push({ kind: 'extra_table', object: l.name, table: l.name, expected: null, actual: l.engine, severity: 'warning' });
  }
  return out;
}

function compareTableAttributes(e: TableInfo, l: TableInfo): Difference[] {
  const out: Difference[] = [];
  const table = e.name;
  const add = (kind: Difference['kind'], expected: string | null, actual: string | null, severity: Severity) => {
    if (expected !== actual) out.push({ kind, object: table, table, expected, actual, severity });
  };
  add('engine', e.engine, l.engine, 'error');
  const keySeverity: Severity = KEY_SEMANTIC_ENGINES.test(e.engine) ? 'error' : 'warning';
  add('sorting_key', e.sortingKey, l.sortingKey, keySeverity);
  if (!primaryKeysEquivalent(e, l)) add('primary_key', e.primaryKey, l.primaryKey, 'warning');
  add('partition_key', e.partitionKey, l.partitionKey, 'warning');
  add('sampling_key', e.samplingKey, l.samplingKey, 'warning');
  // A TTL decides when rows are deleted: a different one loses data or keeps it forever.
  add('ttl', e.ttl, l.ttl, 'error');
  return out;
}

/**
 * Without an explicit PRIMARY KEY it is the sorting key, so a sorting-key difference is
 * not reported twice. And `MODIFY ORDER BY` (how a sorting key is extended in place)
 * keeps the old primary key, a prefix of the new sorting key: that is the documented
 * result of the in-place change, with the same rows in the same order, not drift.
 */
function primaryKeysEquivalent(e: TableInfo, l: TableInfo): boolean {
  if (e.primaryKey === l.primaryKey) return true;
  const implicit = (t: TableInfo) => t.primaryKey === t.sortingKey;
  if (implicit(e) && implicit(l)) return true;
  const extended = implicit(e) && e.sortingKey === l.sortingKey && l.primaryKey !== null && l.sortingKey !== null;
  return extended && startsWithKey(l.sortingKey!, l.primaryKey!);
}

function startsWithKey(key: string, prefix: string): boolean {
  const k = splitTopLevel(key);
  const p = splitTopLevel(prefix);
  return p.length <= k.length && p.every((expr, i) => k[i] === expr);
}
