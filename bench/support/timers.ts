// Manual timers around the backfill hot path, for the per-window profile: every driver call
// (classified by its SQL) and every RunStore call (claim, complete, list…). A timer costs a
// performance.now() pair, far below a millisecond, so the timed repetitions carry them.
import type { Driver, Executor, QueryParams, Row } from '../../functions/engine/drivers/driver.js';
import type { RunStore } from '../../functions/engine/state/run-store.js';

export interface TimerTotal {
  calls: number;
  ms: number;
}

export class Timers {
  private totals = new Map<string, TimerTotal>();

  async time<T>(category: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      const t = this.totals.get(category) ?? { calls: 0, ms: 0 };
      t.calls++;
      t.ms += performance.now() - started;
      this.totals.set(category, t);
    }
  }

  reset(): void {
    this.totals.clear();
  }

  snapshot(): Record<string, TimerTotal> {
    return Object.fromEntries([...this.totals].sort((a, b) => b[1].ms - a[1].ms));
  }
}

/** What a SQL text is, for the profile: the window statement, the counts, the delete, or anything else. */
export function classifySql(sql: string): string {
  const head = sql.trimStart().slice(0, 12).toUpperCase();
  if (head.startsWith('INSERT')) return 'db: window statement (INSERT … SELECT)';
  if (head.startsWith('DELETE')) return 'db: delete of the window range';
  if (/count\s*\(/i.test(sql) && /\{window_start\}/.test(sql)) return 'db: counts (target, source)';
  return 'db: other (tracking, introspection, verify)';
}

/**
 * The driver seen through timers, sharing its connection; close() is a no-op so the local
 * runner's closeTargets() leaves it open for the next repetition (the bench closes it).
 */
export function instrumentDriver<D extends Driver>(driver: D, timers: Timers): D {
  const wrapped = Object.create(driver) as D;
  Object.assign(wrapped, {
    ...timedExecutor(driver, timers),
    // PostgreSQL runs a window in a transaction on its own session: time what runs inside it too.
    transaction: <T>(fn: (tx: Executor) => Promise<T>) => timers.time('db: window transaction (BEGIN … COMMIT, total)', () => driver.transaction((tx) => fn(timedExecutor(tx, timers)))),
    // Window statements carry limits (time, query id): time what runs under them too.
    withStatementLimits: <T>(limits: Parameters<Driver['withStatementLimits']>[0], fn: (exec: Executor) => Promise<T>) => driver.withStatementLimits(limits, (exec) => fn(timedExecutor(exec, timers))),
    close: async () => undefined,
  });
  return wrapped;
}

function timedExecutor(executor: Executor, timers: Timers): Executor {
  return {
    client: executor.client,
    exec: (sql: string, params?: QueryParams) => timers.time(classifySql(sql), () => executor.exec(sql, params)),
    query: <T extends Row = Row>(sql: string, params?: QueryParams) => timers.time(classifySql(sql), () => executor.query<T>(sql, params)),
  };
}

const RUN_STORE_METHODS = ['claimWindows', 'completeWindows', 'failWindows', 'releaseWindows', 'renewWindowLeases', 'claimWindow', 'completeWindow', 'failWindow', 'listWindows', 'getRun', 'createRun', 'putWindows', 'reconcileRun', 'updateRunStatus', 'failedOrStuckWindows'] as const;

/** Patches the RunStore instance in place: each call is timed under `state: <method>`. */
export function instrumentRunStore(runs: RunStore, timers: Timers): void {
  const target = runs as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of RUN_STORE_METHODS) {
    const original = target[name]!.bind(runs);
    target[name] = (...args: unknown[]) => timers.time(`state: ${name}`, () => original(...args));
  }
}

/** Adds a snapshot into a running total (several repetitions). */
export function accumulate(total: Record<string, TimerTotal>, snapshot: Record<string, TimerTotal>): void {
  for (const [k, v] of Object.entries(snapshot)) total[k] = { calls: (total[k]?.calls ?? 0) + v.calls, ms: (total[k]?.ms ?? 0) + v.ms };
}

/** One line per category, as ms per window and calls per run. */
export function profileLines(total: Record<string, TimerTotal>, runs: number, windows: number): string[] {
  return Object.entries(total)
    .sort((x, y) => y[1].ms - x[1].ms)
    .map(([k, v]) => `  ${k.padEnd(46)} ${(v.ms / (runs * windows)).toFixed(2).padStart(8)} ms/window  (${Math.round(v.calls / runs)} calls per run)`);
}
