// Interval arguments of TimescaleDB policies (`drop_after`, `start_offset`) as spans that can be
// compared without guessing: a month is 28–31 days and a year 365–366, so '1 month' and
// '30 days' are neither shorter nor longer than each other. Text PostgreSQL reads that this does
// not (ISO 8601, `ago`, negatives, functions) gives undefined, and rules say nothing about it.
import type { Token } from '../sql/lexer.js';
import { isWord } from './tokens.js';

/** A span in seconds (`time`), in the hypertable's integer units (`integer`), or NULL (`unbounded`: the whole history). */
export type Span = { kind: 'time'; min: number; max: number } | { kind: 'integer'; value: number } | { kind: 'unbounded' };

const DAY = 86_400;
// PostgreSQL's unit spellings (checked on PostgreSQL 17: '7d', '30m' = minutes, '3mon', '2 hrs').
const SECONDS: [RegExp, number][] = [
  [/^(microseconds?|usecs?|us)$/, 1e-6],
  [/^(milliseconds?|msecs?|ms)$/, 1e-3],
  [/^(seconds?|secs?|s)$/, 1],
  [/^(minutes?|mins?|m)$/, 60],
  [/^(hours?|hrs?|h)$/, 3600],
  [/^(days?|d)$/, DAY],
  [/^(weeks?|w)$/, 7 * DAY],
];
const MONTHS: [RegExp, number][] = [
  [/^(months?|mons?)$/, 1],
  [/^(years?|yrs?|y)$/, 12],
  [/^(decades?)$/, 120],
];

/** `'30 days'`, `'1 hour 30 minutes'`, `'7d'`, `'1 day 02:00:00'`; undefined when not plainly readable. */
export function parseInterval(text: string): Extract<Span, { kind: 'time' }> | undefined {
  let rest = text.trim().toLowerCase().replace(/^@\s*/, '');
  if (rest === '') return undefined;
  let seconds = 0;
  let months = 0;
  const clock = /(?:^|\s)(\d+):(\d{2})(?::(\d{2}(?:\.\d+)?))?$/.exec(rest);
  if (clock) {
    seconds += Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3] ?? 0);
    rest = rest.slice(0, clock.index).trim();
  }
  const part = /^(\d+(?:\.\d+)?)\s*([a-z]+)\s*/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m) return undefined;
    const n = Number(m[1]);
    const second = SECONDS.find(([re]) => re.test(m[2]));
    const month = MONTHS.find(([re]) => re.test(m[2]));
    if (second) seconds += n * second[1];
    else if (month) months += n * month[1];
    else return undefined;
    rest = rest.slice(m[0].length);
  }
  // A year of 12 months spans 365–366 days, not 12 × 28–31: bound whole years separately.
  const years = Math.floor(months / 12);
  const rem = months - years * 12;
  return { kind: 'time', min: seconds + years * 365 * DAY + rem * 28 * DAY, max: seconds + years * 366 * DAY + rem * 31 * DAY };
}

/** An argument's value: `INTERVAL '30 days'`, `'30 days'::interval`, `CAST('30 days' AS interval)`, `'7d'`, an integer, NULL. */
export function spanOf(value: Token[]): Span | undefined {
  const v = value;
  if (v.length === 1 && isWord(v[0], 'NULL')) return { kind: 'unbounded' };
  if (v.length === 1 && v[0].kind === 'number' && /^\d+$/.test(v[0].text)) return { kind: 'integer', value: Number(v[0].text) };
  const text =
    v.length === 1 && v[0].kind === 'string' ? v[0].value
    : v.length === 2 && isWord(v[0], 'INTERVAL') && v[1].kind === 'string' ? v[1].value
    : v.length === 4 && v[0].kind === 'string' && v[1].text === ':' && v[2].text === ':' && isWord(v[3], 'INTERVAL') ? v[0].value
    : v.length === 6 && isWord(v[0], 'CAST') && v[2].kind === 'string' && isWord(v[3], 'AS') && isWord(v[4], 'INTERVAL') ? v[2].value
    : undefined;
  return text === undefined ? undefined : parseInterval(text);
}

/** True only when `a` is shorter than `b` for every length a month or year can have; false when unknown. */
export function definitelyShorter(a: Span, b: Span): boolean {
  if (a.kind === 'unbounded') return false;
  if (b.kind === 'unbounded') return true;
  if (a.kind === 'integer' && b.kind === 'integer') return a.value < b.value;
  if (a.kind === 'time' && b.kind === 'time') return a.max < b.min;
  return false;
}

/** How a span reads in a message: the text as written. */
export function spanText(value: Token[]): string {
  return value.map((t) => t.text).join(' ').replace(/ : : /g, '::');
}
