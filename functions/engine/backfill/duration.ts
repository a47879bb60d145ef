import { UsageError } from '../errors.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Window sizes: `15m`, `1h`, `6h`, `1d`… Whole minutes, at least one minute, at most 31 days. */
export function parseWindowSize(text: string): number {
  const match = /^(\d{1,5})([mhd])$/.exec(text.trim());
  if (!match) throw new UsageError(`invalid window size "${text}": expected a number and a unit m, h or d, e.g. 15m, 1h, 1d`);
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms < 60_000) throw new UsageError(`invalid window size "${text}": at least 1m`);
  if (ms > 31 * 86_400_000) throw new UsageError(`invalid window size "${text}": at most 31d`);
  return ms;
}

export function formatWindowSize(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${ms / 60_000}m`;
}

const SPAN_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/** Short spans such as a function timeout: `500ms`, `2s`, `1.5s`, `10m`; 100 ms … 15 minutes. */
export function parseDuration(text: string, what: string): number {
  const match = /^(\d{1,6}(?:\.\d{1,3})?)(ms|s|m)$/.exec(text.trim());
  if (!match) throw new UsageError(`invalid ${what} "${text}": expected a number and a unit ms, s or m, e.g. 2s`);
  const ms = Number(match[1]) * SPAN_MS[match[2] as keyof typeof SPAN_MS];
  if (ms < 100 || ms > 15 * 60_000) throw new UsageError(`invalid ${what} "${text}": expected 100ms … 15m`);
  return ms;
}
