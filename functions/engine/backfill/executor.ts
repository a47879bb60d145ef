// Runs the windows of a run: claims each in DynamoDB (a conditional write, so two workers
// never run the same window), runs it, and records succeeded or failed. A window's failure
// is recorded on its record and counted, never thrown: one bad hour cannot abort the run.
// At most `concurrency` windows run at once; that is the database's load valve.
import { shortError } from '../errors.js';
import type { Driver } from '../drivers/driver.js';
import type { RunStore } from '../state/run-store.js';
import type { ClaimableStatus } from '../state/window-transitions.js';
import type { WindowRecord } from '../state/records.js';
import type { BackfillDefinition } from './definition.js';
import { countWindow, runWindow } from './strategies.js';
import type { Valve } from './valve.js';

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
}

export async function executeWindows(driver: Driver, runs: RunStore, def: BackfillDefinition, migrationVersion: number, opts: ExecuteOptions): Promise<ExecuteResult> {
  const leaseMs = opts.leaseMs ?? 15 * 60_000;
  const candidates = (await runs.listWindows(opts.runId, opts.batch === undefined ? {} : { batch: opts.batch, ...(opts.batchStarts ? { starts: opts.batchStarts } : {}) }))
    .filter((w) => w.status !== 'succeeded');
  if (opts.order === 'newest-first') candidates.reverse();
  const result: ExecuteResult = { succeeded: 0, failed: 0, skipped: 0, rows: 0, peakConcurrency: 0 };
  // Run counts go to the run record once a second, not twice per window.
  const counts = runs.countBuffer(opts.runId);
  // Only the claimer of a window writes its range, so a range empty now stays empty until
  // its first attempt runs: one count for the batch saves a count per window.
  const emptyAtStart = def.strategy === 'delete' && candidates.length > 0 && (await countWindow(driver, driver, def, { start: new Date(candidates[0].start), end: new Date(candidates[candidates.length - 1].end) })) === 0;
  let running = 0;
  let next = 0;

  const one = async (candidate: WindowRecord): Promise<void> => {
    if (opts.notAfter && new Date(candidate.end) > opts.notAfter) {
      result.skipped++;
      return;
    }
    const release = await opts.valve?.beforeClaim();
    const claimed = await runs.claimWindow(opts.runId, candidate.start, opts.owner, { leaseMs, allow: opts.allow, counts });
    if (!claimed) {
      release?.();
      result.skipped++;
      return;
    }
    running++;
    result.peakConcurrency = Math.max(result.peakConcurrency, running);
    const started = Date.now();
    const span = { start: new Date(claimed.start), end: new Date(claimed.end) };
    try {
      await opts.beforeWindow?.(claimed);
      const out = await runWindow({ driver, def, windowKey: `${migrationVersion}:${claimed.start}`, knownEmpty: emptyAtStart && claimed.attempts === 1 }, span);
      const durationMs = Date.now() - started;
      await runs.completeWindow(opts.runId, claimed.start, opts.owner, { rows: out.rows, sourceRows: out.sourceRows, durationMs }, counts);
      result.succeeded++;
      result.rows += out.rows;
      opts.onWindow?.({ start: claimed.start, end: claimed.end, status: 'succeeded', rows: out.rows, durationMs });
    } catch (error) {
      const durationMs = Date.now() - started;
      await runs.failWindow(opts.runId, claimed.start, opts.owner, { error, durationMs }, counts);
      result.failed++;
      opts.onWindow?.({ start: claimed.start, end: claimed.end, status: 'failed', rows: 0, durationMs, error: shortError(error) });
    } finally {
      running--;
      release?.();
    }
  };

  const worker = async (): Promise<void> => {
    while (next < candidates.length) await one(candidates[next++]);
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, candidates.length)) }, worker));
  } finally {
    await counts.flush();
  }
  return result;
}
