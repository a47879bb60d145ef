// Window state changes: pending|failed → running (claim), running → succeeded|failed.
// Each is one conditional UpdateItem on the window, so exactly one of any number of racing
// workers wins a window, and a worker that lost its lease cannot overwrite the new holder.
//
// Run counts without transactions (dynalite has none): after a transition succeeds, a second
// UpdateItem moves one unit between counts.<from> and counts.<to> on the run item (and adds
// rows). A crash between the two writes leaves the counts off by one transition; the window
// items stay the truth, and RunStore.reconcileRun recomputes the counts from them (called on
// resume and at finalize).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { OperationError, UsageError, shortError } from '../errors.js';
import { runKey, toIso, windowKey } from './keys.js';
import { toWindowRecord, type WindowRecord, type WindowStatus } from './records.js';
import type { CountSink } from './count-buffer.js';
import type { LeaseHolder } from './lease-holder.js';

export type ClaimableStatus = 'pending' | 'failed';

export interface ClaimOptions {
  leaseMs: number;
  /** Epoch ms or Date; defaults to the clock. */
  now?: number | Date;
  /** Statuses that may be claimed outright: ['pending'] for a first pass, ['failed'] (or both) for a retry. */
  allow: readonly ClaimableStatus[];
  /** A worker's count buffer (count-buffer.ts); without one, counts are written per transition. */
  counts?: CountSink;
  /**
   * The window's end and batch: with them (and 'pending' allowed) a window that has no record
   * yet (a run with windows on demand) is claimed by writing it. Two claimers of an unwritten
   * window race on the same conditional write: one creates it, the other finds it running.
   */
  window?: { end: Date | string; batch: number };
  /** The claiming process (a local one): recorded on the lease so a resume on the same host can see it died. */
  holder?: LeaseHolder;
}

const NAMES = { '#status': 'status' };

function epochMs(now: number | Date | undefined): number {
  if (now === undefined) return Date.now();
  return typeof now === 'number' ? now : now.getTime();
}

/** Runs `send` and turns a failed condition into `false`. */
async function conditional(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function claimWindow(doc: DynamoDBDocumentClient, table: string, runId: string, start: Date | string, owner: string, opts: ClaimOptions): Promise<WindowRecord | null> {
  if (owner === '') throw new UsageError('window lease owner is empty');
  if (!(opts.leaseMs > 0)) throw new UsageError(`window lease must be positive, got ${opts.leaseMs}`);
  for (const s of opts.allow) if (s !== 'pending' && s !== 'failed') throw new UsageError(`cannot claim windows in status ${JSON.stringify(s)}`);
  const now = epochMs(opts.now);
  const allowValues: Record<string, string> = {};
  opts.allow.forEach((s, i) => (allowValues[`:allow${i}`] = s));
  const expired = '(#status = :running AND leaseExpiresAt < :now)';
  const claimable = opts.allow.length === 0 ? expired : `(#status IN (${Object.keys(allowValues).join(', ')}) OR ${expired})`;
  // An unwritten window is pending: claimable as such when its shape is known.
  const create = opts.window !== undefined && opts.allow.includes('pending');
  const shape = create ? { ':runId': runId, ':start': toIso(start), ':end': toIso(opts.window!.end), ':batch': opts.window!.batch, ':zero': 0 } : {};
  // A claim without a holder clears an earlier holder's pid: it must never vouch for this lease.
  const holderUpdate = opts.holder ? ', leasePid = :pid, leaseHost = :host' : '';
  const holderValues = opts.holder ? { ':pid': opts.holder.pid, ':host': opts.holder.host } : {};
  let old: Record<string, unknown> | undefined;
  const won = await conditional(async () => {
    const out = await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: windowKey(runId, start),
        UpdateExpression: `SET #status = :running, leaseOwner = :owner, leaseExpiresAt = :until, updatedAt = :ts${create ? ', runId = :runId, #start = :start, #end = :end, #batch = :batch, #rows = if_not_exists(#rows, :zero)' : ''}${holderUpdate} ADD attempts :one${opts.holder ? '' : ' REMOVE leasePid, leaseHost'}`,
        // A live lease is never taken; an expired one is (its worker died or hung).
        ConditionExpression: create ? `attribute_not_exists(pk) OR ${claimable}` : `attribute_exists(pk) AND ${claimable}`,
        ExpressionAttributeNames: create ? { ...NAMES, '#start': 'start', '#end': 'end', '#batch': 'batch', '#rows': 'rows' } : NAMES,
        ExpressionAttributeValues: { ...allowValues, ...shape, ...holderValues, ':running': 'running', ':owner': owner, ':until': now + opts.leaseMs, ':ts': new Date(now).toISOString(), ':one': 1, ':now': now },
        ReturnValues: 'ALL_OLD',
      }),
    );
    old = out.Attributes ?? (create ? { runId, start: toIso(start), end: toIso(opts.window!.end), batch: opts.window!.batch, status: 'pending', rows: 0 } : undefined);
  });
  if (!won || !old) return null;
  const from = old.status as WindowStatus;
  if (from !== 'running') await countMove(doc, table, runId, from, 'running', {}, opts.counts);
  const attempts = typeof old.attempts === 'number' ? old.attempts + 1 : 1;
  const { leasePid: _pid, leaseHost: _host, ...rest } = old;
  const held = opts.holder ? { leasePid: opts.holder.pid, leaseHost: opts.holder.host } : {};
  return toWindowRecord({ ...rest, status: 'running', leaseOwner: owner, leaseExpiresAt: now + opts.leaseMs, ...held, updatedAt: new Date(now).toISOString(), attempts });
}

export async function completeWindow(doc: DynamoDBDocumentClient, table: string, runId: string, start: Date | string, owner: string, result: { rows: number; sourceRows?: number; durationMs: number }, counts?: CountSink): Promise<boolean> {
  const values: Record<string, unknown> = { ':done': 'succeeded', ':rows': result.rows, ':ms': result.durationMs, ':ts': new Date().toISOString() };
  let set = '#status = :done, #rows = :rows, durationMs = :ms, updatedAt = :ts';
  if (result.sourceRows !== undefined) {
    set += ', sourceRows = :src';
    values[':src'] = result.sourceRows;
  }
  const done = await finishTransition(doc, table, runId, start, owner, `SET ${set} REMOVE leaseOwner, leaseExpiresAt, leasePid, leaseHost, lastError`, values);
  if (done) await countMove(doc, table, runId, 'running', 'succeeded', { rowsWritten: result.rows, sourceRows: result.sourceRows ?? 0 }, counts);
  return done;
}

export async function failWindow(doc: DynamoDBDocumentClient, table: string, runId: string, start: Date | string, owner: string, result: { error: unknown; durationMs: number }, counts?: CountSink): Promise<boolean> {
  const values = { ':failed': 'failed', ':err': shortError(result.error), ':ms': result.durationMs, ':ts': new Date().toISOString() };
  const done = await finishTransition(doc, table, runId, start, owner, 'SET #status = :failed, lastError = :err, durationMs = :ms, updatedAt = :ts REMOVE leaseOwner, leaseExpiresAt, leasePid, leaseHost', values);
  if (done) await countMove(doc, table, runId, 'running', 'failed', {}, counts);
  return done;
}

/**
 * running → pending (or → `to`), only while `owner` still holds it: gives back a window whose
 * worker is known to be dead before its lease expires (the local CLI's state admits one
 * process, so a window found running there belongs to a killed one), or one an invocation
 * stopped at its time limit (back to what the next invocation claims: pending, or failed
 * on a retry). The interrupted attempt stays counted.
 */
export async function releaseWindow(doc: DynamoDBDocumentClient, table: string, runId: string, start: Date | string, owner: string, to: ClaimableStatus = 'pending'): Promise<boolean> {
  const values = { ':to': to, ':ts': new Date().toISOString() };
  const done = await finishTransition(doc, table, runId, start, owner, 'SET #status = :to, updatedAt = :ts REMOVE leaseOwner, leaseExpiresAt, leasePid, leaseHost', values);
  if (done) await moveCount(doc, table, runId, 'running', to, {});
  return done;
}

/**
 * Extends a running window's lease to `now + leaseMs`, only while `owner` holds it (the
 * heartbeat of lease-heartbeat.ts): false when the lease was lost or the window finished.
 */
export async function renewWindowLease(doc: DynamoDBDocumentClient, table: string, runId: string, start: Date | string, owner: string, leaseMs: number, now: number = Date.now()): Promise<boolean> {
  return conditional(() =>
    doc.send(
      new UpdateCommand({
        TableName: table,
        Key: windowKey(runId, start),
        UpdateExpression: 'SET leaseExpiresAt = :until',
        ConditionExpression: 'leaseOwner = :owner AND #status = :running',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: { ':until': now + leaseMs, ':owner': owner, ':running': 'running' },
      }),
    ),
  );
}

/** running → done, only by the lease holder: false when the lease was lost (taken over after expiry). */
function finishTransition(doc: DynamoDBDocumentClient, table: string, runId: string, start: Date | string, owner: string, update: string, values: Record<string, unknown>): Promise<boolean> {
  return conditional(() =>
    doc.send(
      new UpdateCommand({
        TableName: table,
        Key: windowKey(runId, start),
        UpdateExpression: update,
        ConditionExpression: 'leaseOwner = :owner AND #status = :running',
        ExpressionAttributeNames: { ...NAMES, ...(update.includes('#rows') ? { '#rows': 'rows' } : {}) },
        ExpressionAttributeValues: { ...values, ':owner': owner, ':running': 'running' },
      }),
    ),
  );
}

/** Into the worker's buffer when it has one, else straight onto the run record. */
async function countMove(doc: DynamoDBDocumentClient, table: string, runId: string, from: WindowStatus, to: WindowStatus, add: { rowsWritten?: number; sourceRows?: number }, counts: CountSink | undefined): Promise<void> {
  if (counts) counts.move(from, to, add);
  else await moveCount(doc, table, runId, from, to, add);
}

async function moveCount(doc: DynamoDBDocumentClient, table: string, runId: string, from: WindowStatus, to: WindowStatus, add: { rowsWritten?: number; sourceRows?: number }): Promise<void> {
  let set = 'counts.#from = counts.#from - :one, counts.#to = counts.#to + :one, updatedAt = :ts';
  const values: Record<string, unknown> = { ':one': 1, ':ts': new Date().toISOString() };
  if (add.rowsWritten) {
    set += ', rowsWritten = rowsWritten + :rows';
    values[':rows'] = add.rowsWritten;
  }
  if (add.sourceRows) {
    set += ', sourceRows = sourceRows + :src';
    values[':src'] = add.sourceRows;
  }
  const updated = await conditional(() =>
    doc.send(
      new UpdateCommand({
        TableName: table,
        Key: runKey(runId),
        UpdateExpression: `SET ${set}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#from': from, '#to': to },
        ExpressionAttributeValues: values,
      }),
    ),
  );
  if (!updated) throw new OperationError(`run ${runId} has window records but no run record`);
}
