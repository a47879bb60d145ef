// Runs the windows of a run. Windows are the unit of bookkeeping: each keeps its own record
// (claimed by a conditional write, so two workers never run the same window; recorded
// succeeded or failed with its own rows and source rows). Statements are sized by time
// instead: adjacent claimable windows of one batch are grouped into one statement over
// [first.start, last.end), as many as fit the target statement duration (group-size.ts), and
// the group is claimed with one write and completed with one (its batch's state item). A group that fails is split in halves
// until the failing window is alone: every other window succeeds, only the bad one is
// recorded failed, never thrown, so one bad hour cannot abort the run.
// At most `concurrency` statements run at once; that is the database's load valve. With a
// time budget (a Lambda invocation) it claims only while a statement fits, and says `more`
// when it stopped with windows left: the state machine calls it again.
import { shortError } from '../errors.js';
import { backfillDialect } from '../drivers/backfill-dialect.js';
import type { Driver } from '../drivers/driver.js';
import { countInWindow, type TimeSpan } from '../drivers/window-range.js';
import type { RunStore } from '../state/run-store.js';
import type { ClaimableStatus } from '../state/window-transitions.js';
import type { WindowRecord } from '../state/records.js';
import type { BackfillDefinition } from './definition.js';
import type { TimeBudget } from './budget.js';
import { groupedCounts } from './counts.js';
import { sizerFor } from './group-size.js';
import { STRATEGIES, windowKey } from './strategies/index.js';
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
  /** The invocation's time left (budget.ts): claims stop when the next statement would not fit. */
  budget?: TimeBudget;
  /** How long one statement should take (group-size.ts); 0: one window per statement. */
  statementTargetMs?: number;
  /**
   * Names each attempt's statements (ClickHouse query_id, PostgreSQL application_name):
   * `label` this attempt's, `prefix` every attempt's of the window (statement-label.ts). A
   * group's statements carry its first window's label. With it, a window run again first
   * stops any earlier attempt's statement still running for a window of its group.
   */
  statementLabel?: (w: WindowRecord) => { label: string; prefix: string };
  onWindow?: (event: WindowEvent) => void;
  /** Test hook: throw inside a window before its statement (fault injection). */
  beforeWindow?: (w: WindowRecord) => Promise<void> | void;
  /** newest-first: claim from the end of the range (recent hours first). */
  order?: 'oldest-first' | 'newest-first';
  /** Pause, throttle and the load gate, passed before each group's claims (valve.ts). */
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
  /** Highest number of statements observed running at once (the concurrency proof). */
  peakConcurrency: number;
  /** Stopped for time with windows of the batch left (or some given back): call again. */
  more: boolean;
  /** The run was cancelled (its valve): this pass claimed nothing more, and no pass should follow. */
  cancelled?: boolean;
  /** Statements run (groups, and the halves of failed groups). */
  statements: number;
}

const spanOf = (w: WindowRecord): TimeSpan => ({ start: new Date(w.start), end: new Date(w.end) });
const byStart = (a: WindowRecord, b: WindowRecord) => Date.parse(a.start) - Date.parse(b.start);

/** Splits windows (sorted by start) into runs of adjacent ones. */
function adjacentRuns(windows: WindowRecord[]): WindowRecord[][] {
  const runs: WindowRecord[][] = [];
  for (const w of windows) {
    const last = runs.at(-1)?.at(-1);
    if (last && Date.parse(last.end) === Date.parse(w.start)) runs.at(-1)!.push(w);
    else runs.push([w]);
  }
  return runs;
}

export async function executeWindows(driver: Driver, runs: RunStore, def: BackfillDefinition, migrationVersion: number, opts: ExecuteOptions): Promise<ExecuteResult> {
  const leaseMs = opts.leaseMs ?? WINDOW_LEASE_MS;
  const dialect = backfillDialect(driver);
  const strategy = STRATEGIES[def.strategy];
  const all = await runs.listWindows(opts.runId, opts.batch === undefined ? {} : { batch: opts.batch, ...(opts.batchStarts ? { starts: opts.batchStarts } : {}) });
  // Durations of the batch's earlier windows (earlier invocations) seed the time estimate.
  for (const w of all) opts.budget?.observe(w.durationMs);
  const result: ExecuteResult = { succeeded: 0, failed: 0, skipped: 0, rows: 0, peakConcurrency: 0, more: false, statements: 0 };
  let candidates = all.filter((w) => w.status !== 'succeeded');
  // Windows a dead worker held when the batch was read (lease expired while running).
  const readAt = Date.now();
  const abandoned = candidates.filter((w) => w.status === 'running' && w.leaseExpiresAt !== undefined && w.leaseExpiresAt < readAt);
  if (opts.notAfter) {
    const notAfter = opts.notAfter;
    const held = candidates.filter((w) => new Date(w.end) > notAfter);
    result.skipped += held.length;
    candidates = candidates.filter((w) => new Date(w.end) <= notAfter);
  }
  if (opts.order === 'newest-first') candidates.reverse();
  // Run counts go to the run record once a second, not twice per window.
  const counts = runs.countBuffer(opts.runId);
  // Only the claimer of a window writes its range, so a range empty now stays empty until
  // its first attempt runs: one count for the batch saves a delete per group.
  const emptyAtStart = def.strategy === 'delete' && candidates.length > 0
    && (await countInWindow(driver, driver, def.target, def.timeColumn, {
      start: new Date(Math.min(...candidates.map((w) => Date.parse(w.start)))),
      end: new Date(Math.max(...candidates.map((w) => Date.parse(w.end)))),
    })) === 0;
  const sizer = sizerFor(opts.runId, opts.statementTargetMs);
  let running = 0;
  let next = 0;
  let stopped = false;

  // The one place a batch decides whether to start its next group.
  const mayClaimNext = (): boolean => {
    if (!stopped && opts.budget && !opts.budget.fits(result.statements)) stopped = true;
    return !stopped;
  };

  /** The next candidates in claim order, adjacent and of one batch (one state item), as many as the sizer allows. */
  const takeGroup = (): WindowRecord[] => {
    const size = sizer.next(opts.budget?.statementLimitMs());
    const group = [candidates[next++]!];
    const adjacent = (a: WindowRecord, b: WindowRecord) => (opts.order === 'newest-first' ? Date.parse(b.end) === Date.parse(a.start) : Date.parse(a.end) === Date.parse(b.start));
    while (group.length < size && next < candidates.length && adjacent(group.at(-1)!, candidates[next]!) && candidates[next]!.batch === group[0]!.batch) group.push(candidates[next++]!);
    return group;
  };

  /** Claimed windows not run (stopped for time): back to what the next invocation claims. */
  const giveBack = async (windows: WindowRecord[]): Promise<void> => {
    if (windows.length) await runs.releaseWindows(opts.runId, opts.owner, windows, opts.allow[0]);
    if (windows.length) result.more = true;
  };

  /** One statement over `ws` (adjacent, oldest first); on failure its halves, down to one window. */
  const runGroup = async (ws: WindowRecord[], knownEmpty: boolean): Promise<void> => {
    if (stopped) return giveBack(ws);
    const ordinal = result.statements++;
    running++;
    result.peakConcurrency = Math.max(result.peakConcurrency, running);
    const startedAt = Date.now();
    const windows = ws.map(spanOf);
    const span = { start: windows[0]!.start, end: windows.at(-1)!.end };
    const names = opts.statementLabel?.(ws[0]!);
    let outcome: Awaited<ReturnType<typeof groupedCounts>> | { error: unknown };
    try {
      for (const w of ws) await opts.beforeWindow?.(w);
      const limits = {
        ...(opts.budget ? { timeLimitMs: opts.budget.statementLimitMs() } : {}),
        ...(names ? { label: names.label } : {}),
        ...(strategy.outsideTransaction ? { outsideTransaction: true } : {}),
      };
      outcome = await driver.withStatementLimits(limits, async (exec) => {
        await strategy.run({ exec, driver, dialect, def, span, windows, windowKeys: ws.map((w) => windowKey(migrationVersion, w.start)), knownEmpty });
        return groupedCounts(exec, driver, dialect, def, span, windows);
      });
    } catch (error) {
      outcome = { error };
    } finally {
      running--;
    }
    const durationMs = Date.now() - startedAt;
    sizer.observe(ws.length, durationMs);
    const share = Math.round(durationMs / ws.length);
    opts.budget?.observe(share);
    if (!('error' in outcome)) {
      const out = outcome;
      // The statement's windows are recorded by one write (per batch item).
      await runs.completeWindows(opts.runId, opts.owner, ws.map((w, i) => ({ start: w.start, end: w.end, batch: w.batch, rows: out[i]!.rows, sourceRows: out[i]!.sourceRows, durationMs: share })), counts);
      ws.forEach((w, i) => {
        result.succeeded++;
        result.rows += out[i]!.rows;
        opts.onWindow?.({ start: w.start, end: w.end, status: 'succeeded', rows: out[i]!.rows, durationMs: share });
      });
      return;
    }
    const { error } = outcome;
    if (opts.budget && (ordinal > 0 || ws.length > 1) && driver.isStatementTimeout(error)) {
      // Stopped by the invocation's time limit, not by its own fault: it had less than the
      // whole budget. Give it back, as what the next invocation claims (pending, or failed on a retry).
      stopped = true;
      return giveBack(ws);
    }
    if (ws.length > 1) {
      // Bisection: the halves run again (their ranges may hold a failed insert's rows now,
      // so nothing is known empty); the failing window ends up alone.
      const half = Math.ceil(ws.length / 2);
      await runGroup(ws.slice(0, half), false);
      await runGroup(ws.slice(half), false);
      return;
    }
    const [w] = ws as [WindowRecord];
    // The engine may know better what the failure means (a compressed TimescaleDB chunk: which one, what to run).
    const explained = (await dialect.explainFailure(driver, def, span, error).catch(() => null)) ?? error;
    await runs.failWindows(opts.runId, opts.owner, [w], { error: explained, durationMs }, counts);
    result.failed++;
    opts.onWindow?.({ start: w.start, end: w.end, status: 'failed', rows: 0, durationMs, error: shortError(explained) });
  };

  /** Claims a group's windows, then runs each adjacent run of what it got. */
  const claimAndRun = async (take: WindowRecord[]): Promise<void> => {
    const release = await opts.valve?.beforeClaim();
    if (release === 'cancelled') {
      stopped = true;
      result.cancelled = true;
      return;
    }
    if (release === null) {
      // Paused or throttled until this invocation's time ran short: nothing claimed, call again.
      stopped = true;
      result.more = true;
      return;
    }
    let heartbeat: ReturnType<typeof keepWindowLeases> | undefined;
    try {
      // One conditional write for the group (it lies in one batch item).
      const claimed = await runs.claimWindows(opts.runId, take, opts.owner, { leaseMs, allow: opts.allow, counts });
      result.skipped += take.length - claimed.length;
      claimed.sort(byStart);
      // The leases are short; they are renewed while the group and its halves run (lease-heartbeat.ts).
      heartbeat = keepWindowLeases(runs, opts.runId, opts.owner, claimed, leaseMs);
      // A re-run (retry, resume, an expired lease taken over): an earlier attempt's statement
      // may still be running, abandoned; it must be gone before this one deletes and inserts.
      // It carries the label of its group's first window: any window of this group (every
      // attempt's prefix), or a window before it that a dead worker still held when this batch
      // was read (that attempt's exact label, so a live worker's new attempt is not touched).
      if (opts.statementLabel && claimed.some((w) => w.attempts > 1)) {
        for (const w of claimed) await driver.cancelStatements(opts.statementLabel(w).prefix);
        for (const w of abandoned.splice(0)) await driver.cancelStatements(opts.statementLabel(w).label);
      }
      for (const group of adjacentRuns(claimed)) await runGroup(group, emptyAtStart && group.every((w) => w.attempts === 1));
    } finally {
      heartbeat?.stop();
      release?.();
    }
  };

  const worker = async (): Promise<void> => {
    while (next < candidates.length && mayClaimNext()) await claimAndRun(takeGroup());
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, candidates.length)) }, worker));
  } finally {
    await counts.flush();
  }
  if (next < candidates.length) result.more = true;
  if (result.cancelled) result.more = false; // windows left pending on purpose: no next invocation
  return result;
}
