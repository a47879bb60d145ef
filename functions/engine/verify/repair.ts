// The repair plan for a set of differences, by engine. Never applied by verify: printed,
// or written as the next migration for an operator to review and apply.
import { clickHouseRepair } from './repair-clickhouse.js';
import { postgresRepair } from './repair-postgres.js';
import type { Difference, RepairPlan, SchemaSnapshot } from './types.js';

export function repairPlan(expected: SchemaSnapshot, live: SchemaSnapshot, differences: Difference[]): RepairPlan {
  return live.engine === 'clickhouse' ? clickHouseRepair(expected, live, differences) : postgresRepair(expected, live, differences);
}
