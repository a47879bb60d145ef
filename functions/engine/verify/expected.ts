// Which migrations the expected schema is made of, and building it on a scratch database.
// A target with a tracking table is compared with the migrations it has applied (pending
// ones are not drift: `apply` is their fix, and a repair migration must not duplicate
// them). A target without one (tables made by hand or by another tool, seed 002) is
// compared with all of them.
import type { Driver } from '../drivers/driver.js';
import type { MigrationSet } from '../migrations/set.js';
import type { ScratchPlan } from './scratch-apply.js';
import type { SchemaSnapshot } from './types.js';

export interface ExpectedPlan extends ScratchPlan {
  warnings: string[];
}

export async function planExpected(driver: Driver, set: MigrationSet): Promise<ExpectedPlan> {
  const rows = await driver.readTracking();
  const inSet = new Set(set.migrations.map((m) => m.version));
  if (rows.length === 0) {
    const warnings = set.migrations.length === 0 ? [] : [
      `no migrations are recorded on the target: compared with all ${set.migrations.length}; apply would run them all before a --write repair, so run the repair SQL by hand here`,
    ];
    return { versions: [...inSet], cutovers: {}, warnings };
  }
  const warnings: string[] = [];
  const applied = new Set<number>();
  const cutovers: Record<string, string> = {};
  for (const row of rows) {
    if (row.cutover) cutovers[String(row.version)] = row.cutover.toISOString();
    if (row.status === 'applied') applied.add(row.version);
    else if (row.status === 'failed' || row.status === 'running') {
      warnings.push(`migration ${row.version} (${row.name}) is ${row.status} on the target: it is not part of the expected schema`);
    }
    if (row.status === 'applied' && !inSet.has(row.version)) warnings.push(`migration ${row.version} (${row.name}) is applied but its files are missing`);
  }
  const pending = set.migrations.filter((m) => !applied.has(m.version) && !rows.some((r) => r.version === m.version && r.status !== 'reverted'));
  if (pending.length > 0) {
    warnings.push(`${pending.length} migration(s) not applied yet (${pending.map((m) => m.version).join(', ')}): compared with the applied ones only; run apply for the rest`);
  }
  return { versions: [...applied].filter((v) => inSet.has(v)).sort((a, b) => a - b), cutovers, warnings };
}

export { buildExpectedSnapshot as expectedSnapshot } from './scratch.js';

export async function liveSnapshot(driver: Driver): Promise<SchemaSnapshot> {
  if (driver.engine === 'clickhouse') {
    const { introspectClickHouse } = await import('./clickhouse-introspect.js');
    return introspectClickHouse(driver);
  }
  const { introspectPostgres } = await import('./postgres-introspect.js');
  const snapshot = await introspectPostgres(driver);
  if (!(await driver.hasTimescaleDb())) return snapshot;
  const { addTimescale } = await import('./timescale-introspect.js');
  return addTimescale(snapshot, driver);
}
