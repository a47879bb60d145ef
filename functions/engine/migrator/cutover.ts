// `{cutover}` in an up migration becomes a literal UTC time at or after the moment of
// apply: the start of the next backfill window. It is DDL text (a view's WHERE), where
// bound parameters are not possible; the value is generated here, never user input.
import type { Engine } from '../drivers/driver.js';

export const CUTOVER_PLACEHOLDER = /\{cutover\}/g;

export function usesCutover(sql: string | undefined): boolean {
  return sql !== undefined && /\{cutover\}/.test(sql);
}

export function nextWindowStart(now: Date, windowMs: number): Date {
  return new Date(Math.floor(now.getTime() / windowMs) * windowMs + windowMs);
}

export function cutoverLiteral(engine: Engine, at: Date): string {
  const iso = at.toISOString();
  if (engine === 'clickhouse') return `toDateTime64('${iso.replace('T', ' ').replace('Z', '')}', 3, 'UTC')`;
  return `'${iso}'::timestamptz`;
}

export function substituteCutover(sql: string, engine: Engine, at: Date): string {
  return sql.replace(CUTOVER_PLACEHOLDER, cutoverLiteral(engine, at));
}
