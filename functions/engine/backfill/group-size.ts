// How many adjacent windows the next statement takes. Windows are the unit of bookkeeping;
// a statement should rather be sized by time: as many windows as fit a target duration
// (a few seconds: the fixed cost per statement is paid rarely, a failure or a timeout costs
// little) at the milliseconds per window observed so far in this run. The first statement
// takes one window (nothing is known yet); a group grows at most GROWTH-fold per statement,
// so one fast window cannot size a huge one. What a process learned about a run is kept for
// its next batches and invocations (sizerFor): a Map child's batch starts where the last left.
import { parseDuration } from './duration.js';

export const DEFAULT_STATEMENT_TARGET_MS = 3_000;
const GROWTH = 4;
/** Upper bound on windows per statement: keeps one statement's count query (and a bisection) small. */
export const MAX_WINDOWS_PER_STATEMENT = 2_000;
/** A group may take this much longer than estimated and still end within the statement limit (as budget.ts SAFETY). */
const SAFETY = 1.5;

/** `--statement-target`: a duration (100ms … 15m), or 0 for one window per statement. */
export function parseStatementTarget(text: string, what = '--statement-target'): number {
  return text.trim() === '0' ? 0 : parseDuration(text, what);
}

export class GroupSizer {
  private msPerWindow: number | undefined;
  private largest = 1;

  constructor(private readonly targetMs: number = DEFAULT_STATEMENT_TARGET_MS) {}

  /** A statement over `windows` windows took `durationMs` (succeeded, failed or stopped). */
  observe(windows: number, durationMs: number): void {
    if (windows < 1 || !Number.isFinite(durationMs)) return;
    const per = Math.max(durationMs, 0.1) / windows;
    // Recent statements weigh most: the mean of the last estimate and this one.
    this.msPerWindow = this.msPerWindow === undefined ? per : (this.msPerWindow + per) / 2;
  }

  /** Windows for the next statement; `limitMs`: the longest it may run (the invocation's time left). */
  next(limitMs?: number): number {
    if (this.targetMs <= 0 || this.msPerWindow === undefined) return 1;
    let n = Math.floor(this.targetMs / this.msPerWindow);
    if (limitMs !== undefined) n = Math.min(n, Math.floor(limitMs / (SAFETY * this.msPerWindow)));
    n = Math.max(1, Math.min(n, this.largest * GROWTH, MAX_WINDOWS_PER_STATEMENT));
    this.largest = Math.max(this.largest, n);
    return n;
  }
}

/** Sizers by run and target, shared by the batches and invocations one process runs. */
const sizers = new Map<string, GroupSizer>();
const KEPT_RUNS = 64;

export function sizerFor(runId: string, targetMs: number = DEFAULT_STATEMENT_TARGET_MS): GroupSizer {
  const key = `${runId}\u0000${targetMs}`;
  let sizer = sizers.get(key);
  if (!sizer) {
    sizer = new GroupSizer(targetMs);
    sizers.set(key, sizer);
    if (sizers.size > KEPT_RUNS) sizers.delete(sizers.keys().next().value!);
  }
  return sizer;
}
