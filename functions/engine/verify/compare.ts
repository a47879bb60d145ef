// Expected schema against live schema: every difference, in a stable order (tables and
// their parts, then views, then materialized-view compatibility, then TimescaleDB objects).
import { compareTables } from './compare-tables.js';
import { compareTimescale } from './compare-timescale.js';
import { checkMaterializedViews, compareViews } from './compare-views.js';
import type { Difference, SchemaSnapshot } from './types.js';

export function compareSnapshots(expected: SchemaSnapshot, live: SchemaSnapshot): Difference[] {
  return [
    ...compareTables(live.engine, expected.tables, live.tables),
    ...compareViews(expected.views, live.views),
    ...checkMaterializedViews(live.views, live.tables, expected.tables),
    ...compareTimescale(expected, live),
  ];
}
