// A migration's backfill definition: a leading block of `-- key: value` header lines,
// then the per-window statement using {window_start} and {window_end}.
//
//   -- window: 1h                      15m, 1h (default), 6h, 1d…
//   -- target: traces_new              table written; used by the delete strategy and counts
//   -- time-column: Timestamp          the target's time column
//   -- from: SELECT min(Timestamp) FROM otel_traces    ISO-8601 UTC time, or a query returning one time
//   -- to: cutover                     ISO time, query, or `cutover` (the time recorded at apply)
//   -- strategy: delete                delete | dedup-token | replace-partition | refresh (TimescaleDB;
//                                      target defaults to the aggregate the CALL names)
//   -- source-count: SELECT count() FROM otel_traces WHERE Timestamp >= {window_start} AND Timestamp < {window_end}
//   -- source: otel_traces             optional: source table, for plan-time index warnings
//   -- source-time-column: Timestamp   optional: its time column (default: time-column)
import { MigrationFileError } from '../errors.js';
import { assertIdentifier, assertQualifiedName } from '../drivers/driver.js';
import { backfillText, type Migration } from '../migrations/set.js';
import { parseWindowSize } from './duration.js';
import { REFRESH_SHAPE, refreshedView } from './refresh-call.js';

export type Strategy = 'delete' | 'dedup-token' | 'replace-partition' | 'refresh';

export type TimeBound = { kind: 'time'; at: Date } | { kind: 'query'; sql: string } | { kind: 'cutover' };

export interface BackfillDefinition {
  windowMs: number;
  window: string;
  target: string;
  timeColumn: string;
  from: TimeBound;
  to: TimeBound;
  strategy: Strategy;
  sourceCount?: string;
  source?: string;
  sourceTimeColumn?: string;
  /** The per-window statement. */
  statement: string;
  /** `-- max-load: <SQL returning one number> <= <threshold>`: checked before each window's statement. */
  maxLoad?: MaxLoad;
}

export interface MaxLoad {
  sql: string;
  threshold: number;
}

const KEYS = new Set(['window', 'target', 'time-column', 'from', 'to', 'strategy', 'source-count', 'source', 'source-time-column', 'max-load']);
const STRATEGIES: Strategy[] = ['delete', 'dedup-token', 'replace-partition', 'refresh'];

export function parseBackfillDefinition(text: string, m: Pick<Migration, 'version' | 'name'>): BackfillDefinition {
  const file = `${String(m.version).padStart(4, '0')}_${m.name}.backfill.sql`;
  const fail = (problem: string): never => {
    throw new MigrationFileError(file, problem);
  };
  const header = new Map<string, string>();
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const match = /^--\s*([a-z-]+)\s*:\s*(.*)$/.exec(line);
    if (!match) {
      if (line.startsWith('--')) continue; // a plain comment inside the header
      break;
    }
    const [, key, value] = match;
    if (!KEYS.has(key)) fail(`unknown backfill header "${key}" (known: ${[...KEYS].join(', ')})`);
    if (header.has(key)) fail(`backfill header "${key}" appears twice`);
    header.set(key, value.trim());
  }
  const statement = lines.slice(i).join('\n').trim().replace(/;\s*$/, '');
  if (statement === '') fail('backfill has no statement after its header');
  if (!statement.includes('{window_start}') || !statement.includes('{window_end}')) fail('backfill statement must use both {window_start} and {window_end}');
  const required = (key: string) => header.get(key) ?? fail(`backfill header "${key}" is required`);
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      return fail((error as Error).message);
    }
  };
  const window = header.get('window') ?? '1h';
  const strategy = (header.get('strategy') ?? 'delete') as Strategy;
  if (!STRATEGIES.includes(strategy)) fail(`unknown strategy "${strategy}": expected ${STRATEGIES.join(', ')}`);
  // refresh: the target is the aggregate the CALL refreshes (its buckets are the window counts).
  const view = strategy === 'refresh' ? refreshedView(statement) ?? fail(`strategy refresh needs the statement ${REFRESH_SHAPE}`) : null;
  const target = header.get('target') ?? view ?? required('target');
  guard(() => assertQualifiedName(target, 'target table'));
  if (view !== null && target !== view) fail(`strategy refresh counts the buckets of the aggregate it refreshes: target must be ${view} (or left out), not ${target}`);
  const timeColumn = guard(() => assertIdentifier(required('time-column'), 'time column'));
  const source = header.get('source');
  if (source) guard(() => assertQualifiedName(source, 'source table'));
  const sourceTimeColumn = header.get('source-time-column');
  if (sourceTimeColumn) guard(() => assertIdentifier(sourceTimeColumn, 'source time column'));
  const sourceCount = header.get('source-count');
  if (sourceCount !== undefined && (!sourceCount.includes('{window_start}') || !sourceCount.includes('{window_end}'))) fail('source-count must use {window_start} and {window_end}');
  const maxLoadText = header.get('max-load');
  let maxLoad: MaxLoad | undefined;
  if (maxLoadText !== undefined) {
    const m = /^(.*\S)\s*<=\s*(-?\d+(?:\.\d+)?)$/s.exec(maxLoadText);
    if (!m) fail('max-load must be "<SQL returning one number> <= <threshold>", e.g. "SELECT count() FROM system.processes <= 8"');
    maxLoad = { sql: m![1]!, threshold: Number(m![2]) };
  }
  return {
    ...(maxLoad ? { maxLoad } : {}),
    window,
    windowMs: guard(() => parseWindowSize(window)),
    target,
    timeColumn,
    from: parseBound(required('from'), 'from', fail),
    to: parseBound(required('to'), 'to', fail),
    strategy,
    sourceCount,
    source,
    sourceTimeColumn,
    statement,
  };
}

function parseBound(value: string, key: 'from' | 'to', fail: (p: string) => never): TimeBound {
  if (value === 'cutover') {
    if (key === 'from') fail('"from: cutover" is not allowed: the cut-over ends a backfill');
    return { kind: 'cutover' };
  }
  if (/^select\b/i.test(value)) return { kind: 'query', sql: value };
  return { kind: 'time', at: parseUtcTime(value, fail) };
}

/** ISO-8601 in UTC (a trailing Z or +00:00, or a date alone). */
export function parseUtcTime(value: string, fail: (p: string) => never): Date {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]00:?00)$/.test(iso)) fail(`invalid time "${value}": expected ISO-8601 UTC, e.g. 2024-05-01T00:00:00Z`);
  const at = new Date(iso);
  // Date rolls 2024-02-31 over to March 2: the calendar fields must survive the round trip.
  if (Number.isNaN(at.getTime()) || at.toISOString().slice(0, 16) !== new Date(`${iso.slice(0, 16)}Z`).toISOString().slice(0, 16) || at.toISOString().slice(0, 10) !== iso.slice(0, 10)) {
    fail(`invalid time "${value}": no such date or time`);
  }
  return at;
}

/** The window size `{cutover}` rounds up to: the migration's backfill window, 1h when it has none. */
export async function cutoverWindowMs(m: Migration): Promise<number> {
  const text = await backfillText(m);
  return text ? parseBackfillDefinition(text, m).windowMs : 3_600_000;
}
