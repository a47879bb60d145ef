// Columns of one table, expected against live. Severity follows what breaks: a missing
// column or a changed type breaks inserts and reads (error); a codec, a LowCardinality
// encoding or a default is storage or convenience (warning), except a PostgreSQL NOT NULL
// column that lost its default, which rejects inserts that omit it.
import type { Engine } from '../drivers/driver.js';
import { baseType, sameModuloLowCardinality } from './clickhouse-types.js';
import type { ColumnInfo, Difference, TableInfo } from './types.js';

function describe(c: ColumnInfo): string {
  return [c.type, c.default, c.codec].filter((p) => p !== null).join(' ');
}

/** A PostgreSQL column an INSERT that omits it cannot fill. */
function demandsValue(c: ColumnInfo): boolean {
  return !c.nullable && c.default === null;
}

export function compareColumns(engine: Engine, expected: TableInfo, live: TableInfo): Difference[] {
  const out: Difference[] = [];
  const table = expected.name;
  const liveByName = new Map(live.columns.map((c) => [c.name, c]));
  for (const e of expected.columns) {
    const l = liveByName.get(e.name);
    const object = `${table}.${e.name}`;
    const base = { object, table, item: e.name };
    if (!l) {
      out.push({ ...base, kind: 'missing_column', expected: describe(e), actual: null, severity: 'error' });
      continue;
    }
    out.push(...typeDifferences(engine, e, l, base));
    if (e.default !== l.default) {
      const severity = engine === 'postgres' && demandsValue(l) && e.default !== null ? 'error' : 'warning';
      out.push({ ...base, kind: 'column_default', expected: e.default, actual: l.default, severity });
    }
    if (e.codec !== l.codec) out.push({ ...base, kind: 'column_codec', expected: e.codec, actual: l.codec, severity: 'warning' });
  }
  const expectedNames = new Set(expected.columns.map((c) => c.name));
  for (const l of live.columns) {
    if (expectedNames.has(l.name)) continue;
    // An extra NOT NULL column without a default rejects every insert the application makes.
    const severity = engine === 'postgres' && demandsValue(l) ? 'error' : 'warning';
    out.push({ object: `${table}.${l.name}`, table, item: l.name, kind: 'extra_column', expected: null, actual: describe(l), severity });
  }
  return out;
}

function typeDifferences(engine: Engine, e: ColumnInfo, l: ColumnInfo, base: Pick<Difference, 'object' | 'table' | 'item'>): Difference[] {
  const out: Difference[] = [];
  if (engine === 'postgres') {
    if (e.type !== l.type) out.push({ ...base, kind: 'column_type', expected: e.type, actual: l.type, severity: 'error' });
    if (e.nullable !== l.nullable) out.push({ ...base, kind: 'column_nullability', expected: nullability(e), actual: nullability(l), severity: 'error' });
    return out;
  }
  if (e.type === l.type) return out;
  // On ClickHouse nullability is part of the type: report it as such when it is all that differs.
  if (e.nullable !== l.nullable && baseType(e.type) === baseType(l.type)) {
    out.push({ ...base, kind: 'column_nullability', expected: e.type, actual: l.type, severity: 'error' });
    return out;
  }
  const severity = sameModuloLowCardinality(e.type, l.type) ? 'warning' : 'error';
  out.push({ ...base, kind: 'column_type', expected: e.type, actual: l.type, severity });
  return out;
}

function nullability(c: ColumnInfo): string {
  return c.nullable ? 'NULL' : 'NOT NULL';
}
