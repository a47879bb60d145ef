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
  // The end is exclusive, so a time with more than millisecond precision rounds up: rounding
  // down would leave out the rows of its last microseconds (`to: SELECT max(t) + 1µs`).
  const round = which === 'to' ? 'ceil' : 'floor';
  if (driver.engine === 'postgres') {
    // pg hands a timestamp to Node as a Date, cut to milliseconds: ask for the exact epoch instead.
    const rows = await driver.query<{ epoch: string | null }>(`SELECT extract(epoch FROM q.t)::text AS epoch FROM (${bound.sql.replace(/;\s*$/, '')}) AS q(t)`);
    return epochToDate(rows[0]?.epoch ?? null, round);
  }
  const rows = await driver.query(bound.sql);
  const value = rows[0] ? Object.values(rows[0])[0] : null;
  return toDate(value, round);
}

/** '1709251200.1234567' (seconds, as PostgreSQL's extract(epoch) prints it) → a Date, rounded to the millisecond. */
function epochToDate(text: string | null, round: 'floor' | 'ceil'): Date | null {
  if (text === null) return null;
  const match = /^(-?\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return toDate(text);
  const fraction = match[2] ?? '';
  const ms = Number(match[1]) * 1000 + Number(fraction.slice(0, 3).padEnd(3, '0')) + (round === 'ceil' && /[1-9]/.test(fraction.slice(3)) ? 1 : 0);
  return ms <= 0 ? null : new Date(ms);
}

/** ClickHouse returns 'YYYY-MM-DD hh:mm:ss.fffffffff' (UTC) text; PostgreSQL a Date. Epoch/1970 means "no rows". */
export function toDate(value: unknown, round: 'floor' | 'ceil' = 'floor'): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  const text = String(value);
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(text) ? `${text.replace(' ', 'T').replace(/(\.\d{3})\d*$/, '$1')}Z` : text;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime()) || at.getTime() <= 0) return null;
  // Digits past the millisecond: round up when asked (an exclusive end).
  const beyond = /\.\d{3}(\d+)$/.exec(text)?.[1] ?? '';
  return round === 'ceil' && /[1-9]/.test(beyond) ? new Date(at.getTime() + 1) : at;
}
