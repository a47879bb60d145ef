// Turns a definition's `from`/`to` (time, query, or `cutover`) plus CLI overrides into the
// concrete range of a run. A derived start is floored to the window grid, so every window
// but the last lines up with the target's time buckets.
import type { Driver, TrackingRow } from '../drivers/driver.js';
import { OperationError, UsageError } from '../errors.js';
import type { BackfillDefinition, TimeBound } from './definition.js';
import { floorToGrid } from './windows.js';

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
  const rows = await driver.query(bound.sql);
  const value = rows[0] ? Object.values(rows[0])[0] : null;
  return toDate(value);
}

/** ClickHouse returns 'YYYY-MM-DD hh:mm:ss.fffffffff' (UTC) text; PostgreSQL a Date. Epoch/1970 means "no rows". */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  const text = String(value);
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(text) ? `${text.replace(' ', 'T').replace(/(\.\d{3})\d*$/, '$1')}Z` : text;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime()) || at.getTime() <= 0) return null;
  return at;
}
