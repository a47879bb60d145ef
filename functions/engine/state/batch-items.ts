// One item per batch holding the hourly records of its windows (layout: keys.ts). Every change
// is one conditional write of the windows it changes, decided from the item as this process
// last read or wrote it: the condition holds each changed window's `v` token to what was seen
// (or its absence), so a write lands only on the state it was decided from. Writers of other
// windows of the same item never conflict (their paths differ); a writer that lost a race (the
// item changed elsewhere) reads it again and decides again. So a statement's claim and its
// completion cost one write each and, in the common case, no read.
// dynalite has no transactions, and none are needed: one item, one write.
import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { OperationError } from '../errors.js';
import { batchKey } from './keys.js';
import type { WindowRecord, WindowStatus } from './records.js';

/** A window's record as kept in its batch item (start is the map key; runId and batch are the item's). */
export interface StoredWindow {
  end: string;
  status: WindowStatus;
  attempts: number;
  rows: number;
  sourceRows?: number;
  durationMs?: number;
  lastError?: string;
  leaseOwner?: string;
  leaseExpiresAt?: number;
  leasePid?: number;
  leaseHost?: string;
  updatedAt: string;
  /** Changes on every write: the compare-and-set token. */
  v: string;
}

/** Which window, in which batch item: what every change needs to find its record. */
export interface WindowRef {
  start: string;
  end: string;
  batch: number;
}

export type StoredWindows = Record<string, StoredWindow>;

/** A write of this batch gave up after so many lost races (each one a read and a write). */
const MAX_TRIES = 12;
/** Batch items remembered per process (a Lambda runs one batch; the CLI a run's few dozen). */
const REMEMBERED = 256;

export function newToken(): string {
  return randomBytes(6).toString('base64url');
}

export function toWindowRecord(runId: string, batch: number, start: string, stored: StoredWindow): WindowRecord {
  const { v: _v, end, ...rest } = stored;
  return { runId, start, end, batch, ...rest };
}

/** A window without a record: pending, never tried. */
export function pendingWindow(ref: WindowRef, updatedAt: string): StoredWindow {
  return { end: ref.end, status: 'pending', attempts: 0, rows: 0, updatedAt, v: '' };
}

/** The batch item of a plan: every window pending (RunStore.putWindows). */
export function plannedBatchItem(runId: string, batch: number, refs: readonly WindowRef[], updatedAt: string): Record<string, unknown> {
  const w: StoredWindows = {};
  for (const ref of refs) w[ref.start] = { ...pendingWindow(ref, updatedAt), v: newToken() };
  return { ...batchKey(runId, batch), runId, batch, w };
}

/** The batch items of one state table, as last read or written by this process. */
export class BatchItems {
  /** runId#batch → its windows; null: known not to exist. Only ever a hint: every write is conditional. */
  private readonly seen = new Map<string, StoredWindows | null>();

  constructor(private readonly doc: DynamoDBDocumentClient, private readonly table: string) {}

  /** Notes what a read found (a Query of the run's items, or none for a batch not yet written). */
  remember(runId: string, batch: number, windows: StoredWindows | null): void {
    const key = `${runId}#${batch}`;
    this.seen.delete(key);
    this.seen.set(key, windows === null ? null : { ...windows });
    if (this.seen.size > REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
  }

  async read(runId: string, batch: number): Promise<StoredWindows | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: batchKey(runId, batch), ConsistentRead: true }));
    const windows = out.Item ? ((out.Item.w ?? {}) as StoredWindows) : undefined;
    this.remember(runId, batch, windows ?? null);
    return windows;
  }

  /**
   * Asks `decide` for the new records of the windows it changes (of `wanted`), from the item
   * as last seen, and writes them with one conditional write; on a lost race, or when the view
   * last seen would leave some of the wanted windows unchanged, reads the item and decides
   * again. Returns what was written.
   */
  async change(runId: string, batch: number, wanted: number, decide: (current: StoredWindows) => StoredWindows): Promise<StoredWindows> {
    const key = `${runId}#${batch}`;
    for (let attempt = 1; ; attempt++) {
      const known = attempt === 1 ? this.seen.get(key) : undefined;
      const current = known === undefined ? await this.read(runId, batch) : known ?? undefined;
      const changes = decide(current ?? {});
      const starts = Object.keys(changes);
      // What was last seen may be stale: a write from it is checked by its condition, but a
      // window it would leave out (not claimable, not held) is decided again from a fresh read.
      if (known !== undefined && starts.length < wanted) continue;
      if (starts.length === 0) return {};
      for (const s of starts) changes[s] = { ...changes[s]!, v: newToken() };
      try {
        if (current === undefined) await this.create(runId, batch, changes);
        else await this.update(runId, batch, current, changes);
        const after = this.seen.get(key);
        this.remember(runId, batch, { ...(after ?? current ?? {}), ...changes });
        return changes;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        this.seen.delete(key);
        if (attempt >= MAX_TRIES) throw new OperationError(`run ${runId} batch ${batch}: window records kept changing under ${MAX_TRIES} writes in a row`);
        if (attempt > 1) await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
  }

  private create(runId: string, batch: number, changes: StoredWindows): Promise<unknown> {
    return this.doc.send(new PutCommand({ TableName: this.table, Item: { ...batchKey(runId, batch), runId, batch, w: changes }, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  private update(runId: string, batch: number, current: StoredWindows, changes: StoredWindows): Promise<unknown> {
    const names: Record<string, string> = { '#w': 'w' };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const conditions: string[] = ['attribute_exists(pk)'];
    Object.keys(changes).forEach((start, i) => {
      names[`#a${i}`] = start;
      values[`:c${i}`] = changes[start];
      sets.push(`#w.#a${i} = :c${i}`);
      const seen = current[start];
      if (seen === undefined) conditions.push(`attribute_not_exists(#w.#a${i})`);
      else {
        names['#v'] = 'v';
        values[`:v${i}`] = seen.v;
        conditions.push(`#w.#a${i}.#v = :v${i}`);
      }
    });
    return this.doc.send(new UpdateCommand({
      TableName: this.table,
      Key: batchKey(runId, batch),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }));
  }
}

/** Groups refs by batch, keeping their order within each. */
export function byBatch<T extends { batch: number }>(refs: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of refs) {
    const list = out.get(r.batch);
    if (list) list.push(r);
    else out.set(r.batch, [r]);
  }
  return out;
}
