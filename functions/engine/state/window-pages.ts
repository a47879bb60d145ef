// One page of a run's windows, read from DynamoDB with a bound on the batch items it reads: the
// API's GET /runs/{id}/windows (a 29 s function whose response is capped at 6 MB), so a page
// costs the same in a run of 87,600 windows as in a run of 24.
//
// A page starts at the batch item of the first window after `after` (its batch is found on the
// run's grid) and reads the following items in sort-key order, each Query limited to about as
// many items as the page still needs. It stops when `limit` windows are collected or
// PAGE_MAX_ITEMS batches were examined (a status filter that matches little); `next` is then
// the start of the last window it examined (the last returned when the page is full), so the
// client continues with the windows after it. Relies on keys.ts's layout: batch order is start order.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UsageError } from '../errors.js';
import { batchStartRange, gridWindows } from '../backfill/windows.js';
import { parseWindowSize } from '../backfill/duration.js';
import { batchSortKey } from './keys.js';
import { toWindowRecord, type StoredWindows } from './batch-items.js';
import type { RunRecord, WindowRecord, WindowStatus } from './records.js';

/** Batches one page examines at most (each at most one item read, about 5-10 KB of records). */
export const PAGE_MAX_ITEMS = 200;
export const PAGE_MAX_LIMIT = 1000;
/** Items one Query of a status-filtered page asks for: the filter's yield is unknown. */
const FILTERED_CHUNK = 50;
const LAST_SK = batchSortKey(999_999);

export interface PageQuery {
  status?: WindowStatus;
  limit: number;
  /** Only windows starting after this instant (canonical ISO: the previous page's `next`). */
  after?: string;
}

export interface WindowPage {
  windows: WindowRecord[];
  /** Set when windows after the page may remain: pass it as `after`. */
  next?: string;
}

export type PageGrid = Pick<RunRecord, 'runId' | 'rangeStart' | 'rangeEnd' | 'windowSize' | 'batchSize' | 'windowsOnDemand' | 'createdAt'>;

interface Item {
  batch: number;
  w: StoredWindows;
}

interface Context {
  doc: DynamoDBDocumentClient;
  table: string;
  pk: string;
}

/** A run's batches in order from some batch on, each with its windows in start order. */
interface BatchSource {
  /** The next batch; `want`: about how many more the page expects to examine (sizes the next read). */
  next(want: number): Promise<WindowRecord[] | null>;
  /** False once it is known that no batch follows. */
  more(): boolean;
}

export async function pageWindows(doc: DynamoDBDocumentClient, table: string, pk: string, grid: PageGrid, query: PageQuery): Promise<WindowPage> {
  const { limit, after, status } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX_LIMIT) throw new UsageError(`window page limit must be 1-${PAGE_MAX_LIMIT}, got ${limit}`);
  const ctx: Context = { doc, table, pk };
  const shape = gridShape(grid);
  // The grid's batch of the first window after `after`: exact for a run on demand (its windows
  // are its grid), a hint checked against what is read for a written plan.
  const first = after === undefined ? 0 : shape.batchAfter(after);
  let source: BatchSource;
  if (grid.windowsOnDemand && (status === undefined || status === 'pending')) {
    // Unwritten windows are pending: walk the grid, laying each batch's record (if any) over it.
    if (first > shape.lastBatch) return { windows: [] };
    source = new GridBatches(ctx, grid, shape, first);
  } else if (grid.windowsOnDemand || after === undefined) {
    source = new ItemBatches(ctx, grid.runId, first);
  } else {
    source = await checkedStart(ctx, grid.runId, first, after, firstRead(query, shape.batchSize));
  }
  return collect(source, query, shape.batchSize);
}

/** Items a page's first read asks for: what an unfiltered page needs, a chunk for a filtered one. */
function firstRead({ limit, status }: PageQuery, batchSize: number): number {
  return Math.min(PAGE_MAX_ITEMS, status === undefined ? Math.ceil(limit / batchSize) + 1 : FILTERED_CHUNK);
}

async function collect(source: BatchSource, { limit, after, status }: PageQuery, batchSize: number): Promise<WindowPage> {
  const windows: WindowRecord[] = [];
  let examined: string | undefined;
  for (let budget = PAGE_MAX_ITEMS; budget > 0; budget--) {
    const want = status === undefined ? Math.ceil((limit - windows.length) / batchSize) + 1 : FILTERED_CHUNK;
    const batch = await source.next(Math.min(budget, want));
    if (batch === null) return { windows };
    for (const [i, w] of batch.entries()) {
      if (after !== undefined && w.start <= after) continue;
      examined = w.start;
      if (status !== undefined && w.status !== status) continue;
      windows.push(w);
      if (windows.length === limit) return i < batch.length - 1 || source.more() ? { windows, next: w.start } : { windows };
    }
  }
  // The budget is spent: the client continues after the last window examined.
  return source.more() && examined !== undefined ? { windows, next: examined } : { windows };
}

interface GridShape {
  batchSize: number;
  lastBatch: number;
  /** Batch of the first grid window starting after `after`; lastBatch + 1 when none does. */
  batchAfter(after: string): number;
}

function gridShape(grid: PageGrid): GridShape {
  const from = new Date(grid.rangeStart);
  const to = new Date(grid.rangeEnd);
  const ms = parseWindowSize(grid.windowSize);
  const batchSize = Math.max(1, grid.batchSize);
  const [last] = gridWindows(from, to, ms, batchSize, { first: new Date(to.getTime() - ms) }).slice(-1);
  const lastBatch = last ? last.batch : -1;
  return {
    batchSize,
    lastBatch,
    batchAfter(after) {
      const t = Date.parse(after) + 1;
      if (t <= from.getTime()) return 0;
      const [g] = gridWindows(from, to, ms, batchSize, { first: new Date(t), last: new Date(t + ms) });
      return g ? g.batch : lastBatch + 1;
    },
  };
}

/** Batch items from `first` on, read by Queries of the sort-key range, each of about `want` items. */
class ItemBatches implements BatchSource {
  private readonly buffer: Item[] = [];
  private startKey: Record<string, unknown> | undefined;
  private started = false;

  constructor(private readonly ctx: Context, private readonly runId: string, private readonly first: number, private readonly last = LAST_SK) {}

  async next(want: number): Promise<WindowRecord[] | null> {
    const item = await this.take(want);
    return item ? records(this.runId, item) : null;
  }

  more(): boolean {
    return this.buffer.length > 0 || this.unread();
  }

  /** Whether the range may hold items not read yet. */
  private unread(): boolean {
    return !this.started || this.startKey !== undefined;
  }

  async peek(count: number): Promise<Item[]> {
    while (this.buffer.length < count && this.unread()) await this.read(count - this.buffer.length);
    return this.buffer.slice(0, count);
  }

  async take(want: number): Promise<Item | undefined> {
    while (this.buffer.length === 0 && this.unread()) await this.read(want);
    return this.buffer.shift();
  }

  private async read(limit: number): Promise<void> {
    const out = await this.ctx.doc.send(new QueryCommand({
      TableName: this.ctx.table,
      KeyConditionExpression: 'pk = :pk AND #sk BETWEEN :first AND :last',
      ExpressionAttributeNames: { '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': this.ctx.pk, ':first': batchSortKey(this.first), ':last': this.last },
      ConsistentRead: true,
      Limit: Math.max(1, limit),
      ExclusiveStartKey: this.startKey,
    }));
    this.started = true;
    this.startKey = out.LastEvaluatedKey;
    for (const item of out.Items ?? []) this.buffer.push({ batch: item.batch as number, w: (item.w ?? {}) as StoredWindows });
  }
}

/** The grid's batches from `first` on, each its windows pending unless its item records them. */
class GridBatches implements BatchSource {
  private batch: number;
  private items: ItemBatches | undefined;
  private readUpTo = -1;

  constructor(private readonly ctx: Context, private readonly grid: PageGrid, private readonly shape: GridShape, first: number) {
    this.batch = first;
  }

  async next(want: number): Promise<WindowRecord[] | null> {
    const b = this.batch;
    if (b > this.shape.lastBatch) return null;
    if (b > this.readUpTo) {
      // The items of the next `want` batches, read at once (most may not exist yet).
      this.readUpTo = Math.min(this.shape.lastBatch, b + Math.max(1, want) - 1);
      this.items = new ItemBatches(this.ctx, this.grid.runId, b, batchSortKey(this.readUpTo));
      // One more than the range holds, so the Query ends the range rather than stopping at its Limit.
      await this.items.peek(this.readUpTo - b + 2);
    }
    this.batch += 1;
    const [head] = await this.items!.peek(1);
    const item = head?.batch === b ? await this.items!.take(1) : undefined;
    return this.merge(b, item);
  }

  more(): boolean {
    return this.batch <= this.shape.lastBatch;
  }

  private merge(b: number, item: Item | undefined): WindowRecord[] {
    const { runId, rangeStart, rangeEnd, windowSize, createdAt } = this.grid;
    const from = new Date(rangeStart);
    const to = new Date(rangeEnd);
    const ms = parseWindowSize(windowSize);
    const range = batchStartRange(from, to, ms, this.shape.batchSize, b);
    const stored = new Map(item ? records(runId, item).map((w) => [w.start, w]) : []);
    const out: WindowRecord[] = [];
    for (const g of range ? gridWindows(from, to, ms, this.shape.batchSize, range) : []) {
      const start = g.start.toISOString();
      out.push(stored.get(start) ?? { runId, start, end: g.end.toISOString(), batch: g.batch, status: 'pending', attempts: 0, rows: 0, updatedAt: createdAt });
      stored.delete(start);
    }
    // Records off the grid (none are written so, but never hide one).
    return stored.size === 0 ? out : [...out, ...stored.values()].sort(byStart);
  }
}

function byStart(a: WindowRecord, b: WindowRecord): number {
  return a.start < b.start ? -1 : a.start > b.start ? 1 : 0;
}

function records(runId: string, item: Item): WindowRecord[] {
  return Object.keys(item.w).sort().map((start) => toWindowRecord(runId, item.batch, start, item.w[start]!));
}

function bounds(item: Item): { min: string; max: string } {
  const starts = Object.keys(item.w).sort();
  return { min: starts[0] ?? '', max: starts[starts.length - 1] ?? '' };
}

/**
 * A written plan's start: from the batch before the grid's hint, checked on the first two items
 * read (the first must end at or before `after` or hold a window at or before it, and the
 * window after `after` must be within them). A plan off the run's grid fails the check and
 * its start is found by a binary search of the items (one single-item Query per step).
 */
async function checkedStart(ctx: Context, runId: string, hint: number, after: string, read: number): Promise<BatchSource> {
  const from = Math.max(0, hint - 1);
  const source = new ItemBatches(ctx, runId, from);
  const [p, q] = await source.peek(Math.max(2, read + 1));
  if (p === undefined ? from === 0 : startsHere(p, q, after, from === 0)) return source;
  return new ItemBatches(ctx, runId, await firstItemAfter(ctx, after));
}

/**
 * Whether reading from item `p` (then `q`) misses no window after `after`: p holds one at or
 * before it (earlier batches start earlier), or p is the run's first item; and the first window
 * after it lies in p or q, or nothing follows p.
 */
function startsHere(p: Item, q: Item | undefined, after: string, first: boolean): boolean {
  const a = bounds(p);
  if (a.max > after) return first || a.min <= after;
  return q === undefined || bounds(q).max > after;
}

/** The smallest batch whose item (or the first item after it) holds a window after `after`. */
async function firstItemAfter(ctx: Context, after: string): Promise<number> {
  const probe = async (from: number, forward = true): Promise<Item | undefined> => {
    const out = await ctx.doc.send(new QueryCommand({
      TableName: ctx.table,
      KeyConditionExpression: 'pk = :pk AND #sk BETWEEN :first AND :last',
      ExpressionAttributeNames: { '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': ctx.pk, ':first': batchSortKey(from), ':last': LAST_SK },
      ConsistentRead: true,
      ScanIndexForward: forward,
      Limit: 1,
    }));
    const item = out.Items?.[0];
    return item ? { batch: item.batch as number, w: (item.w ?? {}) as StoredWindows } : undefined;
  };
  const last = await probe(0, false);
  if (last === undefined || bounds(last).max <= after) return 999_999; // nothing after: an empty read
  let lo = 0;
  let hi = last.batch;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const item = (await probe(mid))!; // an item at or after mid exists: `last`
    if (bounds(item).max > after) hi = mid;
    else lo = item.batch + 1;
  }
  return lo;
}
