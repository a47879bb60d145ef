// Turns a definition's `from`/`to` (time, query, or `cutover`) plus CLI overrides into the
// concrete range of a run. A derived start is floored to the window grid, so every window
// but the last lines up with the target's time buckets.
import type { Driver, TrackingRow } from '../drivers/driver.js';
import { OperationError, UsageError } from '../errors.js';
import type { BackfillDefinition, TimeBound } from './definition.js';
import { floorToGrid } from './windows.js';
import { backfillDialect } from '../drivers/backfill-dialect.js';

export interface RangeOverrides {
  from?: Date;
  to?: Date;
}

export async function resolveRange(driver: Driver, def: BackfillDefinition, tracking: TrackingRow | undefined, overrides: RangeOverrides): Promise<{ from: Date | null; to: Date }> {
  const to = overrides.to ?? (await resolveBound(driver, def.to, tracking, 'to'));
  let from = overrides.from ?? null;
  if (!from) {
    const derived = await resolveBound(driver, def.from, tracking, 'from');
    from = derived ? floorToGrid(derived, def.windowMs) : null; // null: the source is empty
  }
  if (!to) throw new OperationError('the backfill end could not be determined (its query returned no time)');
  return { from, to };
}

async function resolveBound(driver: Driver, bound: TimeBound, tracking: TrackingRow | undefined, which: string): Promise<Date | null> {
  if (bound.kind === 'time') return bound.at;
  if (bound.kind === 'cutover') {
    if (!tracking || tracking.status !== 'applied') throw new UsageError(`"${which}: cutover" needs the migration applied first (its cut-over is recorded at apply)`);
    if (!tracking.cutover) throw new UsageError(`"${which}: cutover": the migration's up has no {cutover}, so none was recorded`);
    return tracking.cutover;
  }
  // The end is exclusive, so a time with more than millisecond precision rounds up: rounding
  // down would leave out the rows of its last microseconds (`to: SELECT max(t) + 1µs`).
  return backfillDialect(driver).queryTime(driver, bound.sql, which === 'to' ? 'ceil' : 'floor');
}
