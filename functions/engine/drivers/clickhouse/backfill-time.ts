// Times as ClickHouse prints them: 'YYYY-MM-DD hh:mm:ss.fffffffff' (UTC, the session's
// time zone is pinned to UTC), to a Date cut or rounded to the millisecond.

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
