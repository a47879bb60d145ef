// Window state changes: pending|failed → running (claim), running → succeeded|failed, and
// running → pending|failed (given back). A statement's windows change together: one
// conditional write per batch item they lie in (batch-items.ts), so exactly one of any number
// of racing workers wins a window, and a worker that lost its lease cannot overwrite the new
// holder (every transition out of running requires the caller to hold the lease).
//
// Run counts without transactions (dynalite has none): after a write succeeds, the count
// changes go to the worker's buffer (count-buffer.ts) or, without one, in one UpdateItem onto
// the run item. A crash between the two leaves the counts off; the window records stay the
// truth, and RunStore.reconcileRun recomputes the counts from them (resume and finalize).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UsageError, shortError } from '../errors.js';
import { byBatch, pendingWindow, toWindowRecord, type BatchItems, type StoredWindow, type StoredWindows, type WindowRef } from './batch-items.js';
import type { WindowRecord } from './records.js';
import { CountDelta, type CountSink } from './count-buffer.js';
import type { LeaseHolder } from './lease-holder.js';

export type ClaimableStatus = 'pending' | 'failed';

export interface ClaimOptions {
  leaseMs: number;
  /** Epoch ms or Date; defaults to the clock. */
  now?: number | Date;
  /** Statuses that may be claimed outright: ['pending'] for a first pass, ['failed'] (or both) for a retry. */
  allow: readonly ClaimableStatus[];
  /** A worker's count buffer (count-buffer.ts); without one, counts are written per change. */
  counts?: CountSink;
  /** The window's end and batch (RunStore.claimWindow: saves finding them on the run's grid). */
  window?: { end: Date | string; batch: number };
  /** The claiming process (a local one): recorded on the lease so a resume on the same host can see it died. */
  holder?: LeaseHolder;
}

export interface Transitions {
  items: BatchItems;
  doc: DynamoDBDocumentClient;
  table: string;
  runId: string;
  /** A run whose windows appear on first claim: a window with no record is pending. */
  onDemand: boolean;
}

function epochMs(now: number | Date | undefined): number {
  if (now === undefined) return Date.now();
  return typeof now === 'number' ? now : now.getTime();
}

function withoutLease(w: StoredWindow): StoredWindow {
  const { leaseOwner: _o, leaseExpiresAt: _e, leasePid: _p, leaseHost: _h, ...rest } = w;
  return rest;
}

/** Claims those of `refs` that are claimable: one conditional write per batch item. Returns the claimed windows' records. */
export async function claimWindows(t: Transitions, refs: readonly WindowRef[], owner: string, opts: ClaimOptions): Promise<WindowRecord[]> {
  if (owner === '') throw new UsageError('window lease owner is empty');
  if (!(opts.leaseMs > 0)) throw new UsageError(`window lease must be positive, got ${opts.leaseMs}`);
  for (const s of opts.allow) if (s !== 'pending' && s !== 'failed') throw new UsageError(`cannot claim windows in status ${JSON.stringify(s)}`);
  const now = epochMs(opts.now);
  const updatedAt = new Date(now).toISOString();
  const claimed: WindowRecord[] = [];
  const delta = new CountDelta();
  for (const [batch, list] of byBatch(refs)) {
    let from: Record<string, StoredWindow['status']> = {};
    const written = await t.items.change(t.runId, batch, list.length, (current) => {
      from = {};
      const out: StoredWindows = {};
      for (const ref of list) {
        const cur = current[ref.start] ?? (t.onDemand ? pendingWindow(ref, updatedAt) : undefined);
        if (!cur) continue;
        // A live lease is never taken; an expired one is (its worker died or hung).
        const expired = cur.status === 'running' && cur.leaseExpiresAt !== undefined && cur.leaseExpiresAt < now;
        if (!(opts.allow as readonly string[]).includes(cur.status) && !expired) continue;
        from[ref.start] = cur.status;
        // A claim without a holder clears an earlier holder's pid: it must never vouch for this lease.
        out[ref.start] = { ...withoutLease(cur), status: 'running', attempts: (cur.attempts ?? 0) + 1, leaseOwner: owner, leaseExpiresAt: now + opts.leaseMs, ...(opts.holder ? { leasePid: opts.holder.pid, leaseHost: opts.holder.host } : {}), updatedAt };
      }
      return out;
    });
    for (const [start, w] of Object.entries(written)) {
      if (from[start] !== 'running') delta.move(from[start]!, 'running', {});
      claimed.push(toWindowRecord(t.runId, batch, start, w));
    }
  }
  await delta.send(t, opts.counts);
  return claimed;
}

/**
 * running → `next(current)` for those of `refs` that `owner` still holds: one write per batch
 * item. Returns the starts changed; the others' leases were lost (taken over after expiry).
 */
async function fromRunning(t: Transitions, refs: readonly WindowRef[], owner: string, next: (cur: StoredWindow, start: string) => StoredWindow): Promise<Map<string, StoredWindow>> {
  const done = new Map<string, StoredWindow>();
  for (const [batch, list] of byBatch(refs)) {
    const written = await t.items.change(t.runId, batch, list.length, (current) => {
      const out: StoredWindows = {};
      for (const ref of list) {
        const cur = current[ref.start];
        if (cur?.status === 'running' && cur.leaseOwner === owner) out[ref.start] = next(cur, ref.start);
      }
      return out;
    });
    for (const [start, w] of Object.entries(written)) done.set(start, w);
  }
  return done;
}

export interface WindowResult {
  rows: number;
  sourceRows?: number;
  durationMs: number;
}

/** running → succeeded with each window's rows: the statement's one write per batch item. */
export async function completeWindows(t: Transitions, owner: string, results: readonly (WindowRef & WindowResult)[], counts?: CountSink): Promise<Set<string>> {
  const updatedAt = new Date().toISOString();
  const byStart = new Map(results.map((r) => [r.start, r]));
  const done = await fromRunning(t, results, owner, (cur, start) => {
    const r = byStart.get(start)!;
    const { lastError: _e, ...rest } = withoutLease(cur);
    return { ...rest, status: 'succeeded', rows: r.rows, ...(r.sourceRows !== undefined ? { sourceRows: r.sourceRows } : {}), durationMs: r.durationMs, updatedAt };
  });
  const delta = new CountDelta();
  for (const start of done.keys()) {
    const r = byStart.get(start)!;
    delta.move('running', 'succeeded', { rowsWritten: r.rows, sourceRows: r.sourceRows ?? 0 });
  }
  await delta.send(t, counts);
  return new Set(done.keys());
}

/** running → failed with its (redacted, truncated) error. */
export async function failWindows(t: Transitions, owner: string, refs: readonly WindowRef[], result: { error: unknown; durationMs: number }, counts?: CountSink): Promise<Set<string>> {
  const updatedAt = new Date().toISOString();
  const lastError = shortError(result.error);
  const done = await fromRunning(t, refs, owner, (cur) => ({ ...withoutLease(cur), status: 'failed', lastError, durationMs: result.durationMs, updatedAt }));
  const delta = new CountDelta();
  for (let i = 0; i < done.size; i++) delta.move('running', 'failed', {});
  await delta.send(t, counts);
  return new Set(done.keys());
}

/**
 * running → pending (or → `to`), only while `owner` still holds them: gives back windows whose
 * worker is known to be dead before their lease expires (the local CLI's state admits one
 * process, so a window found running there belongs to a killed one), or ones an invocation
 * stopped at its time limit (back to what the next invocation claims: pending, or failed
 * on a retry). The interrupted attempt stays counted. Counts are written at once.
 */
export async function releaseWindows(t: Transitions, owner: string, refs: readonly WindowRef[], to: ClaimableStatus = 'pending'): Promise<Set<string>> {
  const updatedAt = new Date().toISOString();
  const done = await fromRunning(t, refs, owner, (cur) => ({ ...withoutLease(cur), status: to, updatedAt }));
  const delta = new CountDelta();
  for (let i = 0; i < done.size; i++) delta.move('running', to, {});
  await delta.send(t);
  return new Set(done.keys());
}

/**
 * Extends the leases of those of `refs` that `owner` holds to `now + leaseMs` (the heartbeat
 * of lease-heartbeat.ts): one write per batch item. Returns the starts still held.
 */
export async function renewWindowLeases(t: Transitions, owner: string, refs: readonly WindowRef[], leaseMs: number, now: number = Date.now()): Promise<Set<string>> {
  const done = await fromRunning(t, refs, owner, (cur) => ({ ...cur, leaseExpiresAt: now + leaseMs }));
  return new Set(done.keys());
}
