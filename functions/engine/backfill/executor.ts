// Runs the windows of a run: claims each in DynamoDB (a conditional write, so two workers
// never run the same window), runs it, and records succeeded or failed. A window's failure
// is recorded on its record and counted, never thrown: one bad hour cannot abort the run.
// At most `concurrency` windows run at once; that is the database's load valve. With a time
// budget (a Lambda invocation) it claims windows only while they fit, and says `more` when it
// stopped with windows left: the state machine calls it again.
import { shortError } from '../errors.js';
import type { Driver } from '../drivers/driver.js';
import type { RunStore } from '../state/run-store.js';
import type { ClaimableStatus } from '../state/window-transitions.js';
import type { WindowRecord } from '../state/records.js';
import type { BackfillDefinition } from './definition.js';
import type { TimeBudget } from './budget.js';
import { countWindow, runWindow } from './strategies.js';
import type { Valve } from './valve.js';
import { WINDOW_LEASE_MS, keepWindowLeases } from '../state/lease-heartbeat.js';

export interface ExecuteOptions {
  runId: string;
  owner: string;
  concurrency: number;
  /** Which statuses may be claimed: ['pending'] first pass/resume, ['failed'] retry. */
  allow: ClaimableStatus[];
  leaseMs?: number;
  /** Only windows of this batch (a Map child); all when undefined. */
  batch?: number;
  /** First and last window start of that batch (windows.ts batchStartRange): the state store then reads only the batch, not the whole run. */
  batchStarts?: { first: Date; last: Date };
  /** Windows ending after this are left pending (cut-over not yet passed plus lateness). */
  notAfter?: Date;
  /** The invocation's time left (budget.ts): claims stop when the next window would not fit. */
  budget?: TimeBudget;
  /**
   * Names each attempt's statements (ClickHouse query_id, PostgreSQL application_name):
   * `label` this attempt's, `prefix` every attempt's of the window (statement-label.ts). With
   * it, a window run again first stops any earlier attempt's statement still running.
   */
  statementLabel?: (w: WindowRecord) => { label: string; prefix: string };
  onWindow?: (event: WindowEvent) => void;
  /** Test hook: throw inside a window before its statement (fault injection). */
  beforeWindow?: (w: WindowRecord) => Promise<void> | void;
  /** newest-first: claim from the end of the range (recent hours first). */
  order?: 'oldest-first' | 'newest-first';
  /** Pause and throttle, read before each claim (valve.ts). */
  valve?: Valve;
}

export interface WindowEvent {
  start: string;
  end: string;
  status: 'succeeded' | 'failed' | 'skipped';
  rows: number;
  durationMs: number;
  error?: string;
}

export interface ExecuteResult {
  succeeded: number;
  failed: number;
  /** Claimed elsewhere, already done, or held back by the cut-over. */
  skipped: number;
  rows: number;
  /** Highest number of windows observed running at once (the concurrency proof). */
  peakConcurrency: number;
  /** Stopped for time with windows of the batch left (or one given back): call again. */
  more: boolean;
}

export async function executeWindows(driver: Driver, runs: RunStore, def: BackfillDefinition, migrationVersion: number, opts: ExecuteOptions): Promise<ExecuteResult> {
  const leaseMs = opts.leaseMs ?? WINDOW_LEASE_MS;
  const all = await runs.listWindows(opts.runId, opts.batch === undefined ? {} : { batch: opts.batch, ...(opts.batchStarts ? { starts: opts.batchStarts } : {}) });
  // Durations of the batch's earlier windows (earlier invocations) seed the time estimate.
  for (const w of all) opts.budget?.observe(w.durationMs);
  const candidates = all.filter((w) => w.status !== 'succeeded');
  if (opts.order === 'newest-first') candidates.reverse();
  const result: ExecuteResult = { succeeded: 0, failed: 0, skipped: 0, rows: 0, peakConcurrency: 0, more: false };
  // Run counts go to the run record once a second, not twice per window.
  const counts = runs.countBuffer(opts.runId);
  // Only the claimer of a window writes its range, so a range empty now stays empty until
  // its first attempt runs: one count for the batch saves a count per window.
  const emptyAtStart = def.strategy === 'delete' && candidates.length > 0 && (await countWindow(driver, driver, def, { start: new Date(candidates[0].start), end: new Date(candidates[candidates.length - 1].end) })) === 0;
  let running = 0;
  let next = 0;
  let started = 0;
  let stopped = false;

  // The one place a batch decides whether to claim its next window.
  const mayClaimNext = async (): Promise<boolean> => {
    if (stopped) return false;
    if (opts.budget && !opts.budget.fits(started)) stopped = true;
    return !stopped;
  };

  const one = async (candidate: WindowRecord): Promise<void> => {
    if (opts.notAfter && new Date(candidate.end) > opts.notAfter) {
      result.skipped++;
      return;
    }
    const release = await opts.valve?.beforeClaim();
    const claimed = await runs.claimWindow(opts.runId, candidate.start, opts.owner, { leaseMs, allow: opts.allow, counts, window: { end: candidate.end, batch: candidate.batch } });
    if (!claimed) {
      release?.();
      result.skipped++;
      return;
    }
    // The lease is short; it is renewed while the window runs (lease-heartbeat.ts).
    const heartbeat = keepWindowLeases(runs, opts.runId, opts.owner, [claimed.start], leaseMs);
    running++;
    const ordinal = started++;
    result.peakConcurrency = Math.max(result.peakConcurrency, running);
    const startedAt = Date.now();
    const span = { start: new Date(claimed.start), end: new Date(claimed.end) };
    const names = opts.statementLabel?.(claimed);
    try {
      // A re-run (retry, resume, an expired lease taken over): an earlier attempt's statement
      // may still be running, abandoned; it must be gone before this one deletes and inserts.
      if (names && claimed.attempts > 1) await driver.cancelStatements(names.prefix);
      await opts.beforeWindow?.(claimed);
      const limits = {
        ...(opts.budget ? { timeLimitMs: opts.budget.statementLimitMs() } : {}),
        ...(names ? { label: names.label } : {}),
      };
      const out = await runWindow({ driver, def, windowKey: `${migrationVersion}:${claimed.start}`, knownEmpty: emptyAtStart && claimed.attempts === 1, limits }, span);
      const durationMs = Date.now() - startedAt;
      opts.budget?.observe(durationMs);
      await runs.completeWindow(opts.runId, claimed.start, opts.owner, { rows: out.rows, sourceRows: out.sourceRows, durationMs }, counts);
      result.succeeded++;
      result.rows += out.rows;
      opts.onWindow?.({ start: claimed.start, end: claimed.end, status: 'succeeded', rows: out.rows, durationMs });
    } catch (error) {
      const durationMs = Date.now() - startedAt;
      opts.budget?.observe(durationMs);
      if (opts.budget && ordinal > 0 && driver.isStatementTimeout(error)) {
        // Stopped by the invocation's time limit, not by its own fault: it had less than the
        // whole budget. Give it back, as what the next invocation claims (pending, or failed on a retry).
        await runs.releaseWindow(opts.runId, claimed.start, opts.owner, opts.allow[0]);
        stopped = true;
        result.more = true;
        return;
      }
      await runs.failWindow(opts.runId, claimed.start, opts.owner, { error, durationMs }, counts);
      result.failed++;
      opts.onWindow?.({ start: claimed.start, end: claimed.end, status: 'failed', rows: 0, durationMs, error: shortError(error) });
    } finally {
      heartbeat.stop();
      running--;
      release?.();
    }
  };

  const worker = async (): Promise<void> => {
    while (next < candidates.length && (await mayClaimNext())) await one(candidates[next++]);
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, candidates.length)) }, worker));
  } finally {
    await counts.flush();
  }
  if (next < candidates.length) result.more = true;
  return result;
}
