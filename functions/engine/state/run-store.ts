// Runs and their windows in the state table: the backfill's bookkeeping.
// Window transitions and the run-count caveat (no transactions): see window-transitions.ts.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UsageError, shortError } from '../errors.js';
import { redact } from '../redact.js';
import { RUNS_GSI_PK, STATE_FORMAT, TABLE_KEYS, assertRunId, runKey, runsIndexSortKey, toIso } from './keys.js';
import { RUN_STATUSES, emptyCounts, toRunRecord } from './records.js';
import type { NewRun, PlannedWindow, RunRecord, RunStatus, RunValve, WindowRecord, WindowStatus } from './records.js';
import { batchPut, batchItems } from './window-plan.js';
import { gridWindows } from '../backfill/windows.js';
import { parseWindowSize } from '../backfill/duration.js';
import { CountBuffer, type CountSink } from './count-buffer.js';
import { BatchItems, type WindowRef } from './batch-items.js';
import { claimWindows, completeWindows, failWindows, releaseWindows, renewWindowLeases, type ClaimOptions, type ClaimableStatus, type Transitions, type WindowResult } from './window-transitions.js';
import type { LeaseHolder } from './lease-holder.js';
import { pageWindows, type PageQuery, type WindowPage } from './window-pages.js';
import { storedWindows } from './stored-windows.js';

export interface WindowFilter {
  status?: WindowStatus;
  batch?: number;
  /** First and last window start, inclusive. */
  starts?: { first: Date | string; last: Date | string };
}

/** What never changes on a run once created: its grid and how its windows are kept. */
type RunGrid = Pick<RunRecord, 'runId' | 'rangeStart' | 'rangeEnd' | 'windowSize' | 'batchSize' | 'windowsOnDemand' | 'createdAt'>;

/** A run planned before state format 2 (one item per window) is refused, never migrated. */
function assertStateFormat(run: RunRecord): void {
  if (run.stateFormat !== STATE_FORMAT) {
    throw new UsageError(`run ${run.runId} keeps its windows in state format ${run.stateFormat ?? 1}, which this version does not read (it keeps format ${STATE_FORMAT}: one item per batch); plan a new run`);
  }
}

/** The run's grid windows in the filter's range, each its stored record or, with none, pending. */
function mergeWithGrid(run: RunGrid, stored: WindowRecord[], filter: WindowFilter): WindowRecord[] {
  const byStart = new Map(stored.map((w) => [w.start, w]));
  const bounds = filter.starts ? { first: new Date(filter.starts.first), last: new Date(filter.starts.last) } : undefined;
  const out: WindowRecord[] = [];
  for (const g of gridWindows(new Date(run.rangeStart), new Date(run.rangeEnd), parseWindowSize(run.windowSize), run.batchSize, bounds)) {
    if (filter.batch !== undefined && g.batch !== filter.batch) continue;
    const start = g.start.toISOString();
    const record = byStart.get(start);
    byStart.delete(start);
    out.push(record ?? { runId: run.runId, start, end: g.end.toISOString(), batch: g.batch, status: 'pending', attempts: 0, rows: 0, updatedAt: run.createdAt });
  }
  // Records off the grid (none are written so, but never hide one).
  if (byStart.size > 0) return [...out, ...byStart.values()].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return out;
}

/** What a run remembers of how it was planned: its lease's target name, the definition it pinned, who planned it. */
function pinned(run: NewRun): Pick<RunRecord, 'targetName' | 'definitionChecksum' | 'plannedBy' | 'planKey'> {
  const { targetName, definitionChecksum, plannedBy, planKey } = run;
  return { ...(targetName ? { targetName } : {}), ...(definitionChecksum ? { definitionChecksum } : {}), ...(plannedBy ? { plannedBy } : {}), ...(planKey ? { planKey } : {}) };
}

export class RunStore {
  /**
   * `doc`/`tableName` are public so stores of other items in the same table (state/run-lease.ts) share the client.
   * `holder`: this process, written on every lease it claims (local processes; see lease-holder.ts).
   */
  constructor(readonly doc: DynamoDBDocumentClient, readonly tableName: string, private readonly options: { holder?: LeaseHolder } = {}) {
    this.items = new BatchItems(doc, tableName);
  }

  private readonly items: BatchItems;
  private readonly grids = new Map<string, RunGrid>();

  /** The run's grid (read once per process: it never changes), after checking its state format. */
  private async grid(runId: string): Promise<RunGrid | null> {
    const known = this.grids.get(runId);
    if (known) return known;
    const run = await this.getRun(runId);
    if (!run) return null;
    assertStateFormat(run);
    return this.grids.get(runId) ?? null;
  }

  /** Remembers a run's grid whenever its record is read (it never changes). */
  private noteGrid(run: RunRecord): void {
    if (run.stateFormat !== STATE_FORMAT || this.grids.has(run.runId)) return;
    const { runId, rangeStart, rangeEnd, windowSize, batchSize, windowsOnDemand, createdAt } = run;
    if (this.grids.size > 64) this.grids.clear();
    this.grids.set(runId, { runId, rangeStart, rangeEnd, windowSize, batchSize, createdAt, ...(windowsOnDemand ? { windowsOnDemand } : {}) });
  }

  private async transitions(runId: string): Promise<Transitions> {
    const grid = await this.grid(runId);
    if (!grid) throw new UsageError(`run ${runId} does not exist`);
    return { items: this.items, doc: this.doc, table: this.tableName, runId, onDemand: grid.windowsOnDemand === true };
  }

  /**
   * Where one window's record lives: from `window` when given, else from the run's grid (windows
   * on demand) or its written plan (putWindows: the batch it was planned in); null when it has none.
   */
  private async refOf(runId: string, start: Date | string, window?: { end: Date | string; batch: number }): Promise<WindowRef | null> {
    if (window) return { start: toIso(start), end: toIso(window.end), batch: window.batch };
    const grid = await this.grid(runId);
    if (!grid) return null;
    const at = new Date(toIso(start));
    if (!grid.windowsOnDemand) {
      const found = (await this.storedWindows(runId, {})).find((w) => w.start === at.toISOString());
      return found ? { start: found.start, end: found.end, batch: found.batch } : null;
    }
    const [g] = gridWindows(new Date(grid.rangeStart), new Date(grid.rangeEnd), parseWindowSize(grid.windowSize), grid.batchSize, { first: at, last: at });
    return g && g.start.getTime() === at.getTime() ? { start: at.toISOString(), end: g.end.toISOString(), batch: g.batch } : null;
  }

  /** Creates the run record; UsageError if the id is taken (run ids are never reused). */
  async createRun(run: NewRun): Promise<RunRecord> {
    assertRunId(run.runId);
    const createdAt = (run.createdAt ?? new Date()).toISOString();
    const record: RunRecord = {
      runId: run.runId,
      migrationVersion: run.migrationVersion,
      migrationName: run.migrationName,
      target: redact(run.target), // callers pass the display URL; masking again costs nothing
      engine: run.engine,
      rangeStart: toIso(run.rangeStart),
      rangeEnd: toIso(run.rangeEnd),
      windowSize: run.windowSize,
      windowCount: run.windowCount,
      batchSize: run.batchSize,
      concurrency: run.concurrency,
      strategy: run.strategy,
      ...(run.order === 'newest-first' ? { order: run.order } : {}),
      ...(run.statementTargetMs !== undefined ? { statementTargetMs: run.statementTargetMs } : {}),
      ...pinned(run),
      status: run.status ?? 'planned',
      stateFormat: STATE_FORMAT,
      // A run with windows on demand is planned once it exists: every window of its grid is pending.
      counts: run.windowsOnDemand ? { ...emptyCounts(), pending: run.windowCount } : emptyCounts(),
      ...(run.windowsOnDemand ? { windowsOnDemand: true, plannedAt: createdAt } : {}),
      rowsWritten: 0,
      sourceRows: 0,
      createdAt,
      updatedAt: createdAt,
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...runKey(run.runId), [TABLE_KEYS.gsi1pk]: RUNS_GSI_PK, [TABLE_KEYS.gsi1sk]: runsIndexSortKey(createdAt, run.runId), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new UsageError(`run ${run.runId} already exists`);
      throw error;
    }
    return record;
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true }));
    if (!out.Item) return null;
    const run = toRunRecord(out.Item);
    this.noteGrid(run);
    return run;
  }

  /** The most recent runs, newest first (by createdAt). */
  async listRuns(limit = 20): Promise<RunRecord[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`run list limit must be 1-1000, got ${limit}`);
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TABLE_KEYS.gsi1,
        KeyConditionExpression: '#gpk = :runs',
        ExpressionAttributeNames: { '#gpk': TABLE_KEYS.gsi1pk },
        ExpressionAttributeValues: { ':runs': RUNS_GSI_PK },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(toRunRecord);
  }

  async updateRunStatus(runId: string, status: RunStatus, extra: { error?: unknown } = {}): Promise<RunRecord> {
    if (!RUN_STATUSES.includes(status)) throw new UsageError(`invalid run status ${JSON.stringify(status)}`);
    const values: Record<string, unknown> = { ':status': status, ':ts': new Date().toISOString() };
    let update = 'SET #status = :status, updatedAt = :ts';
    if (extra.error !== undefined) {
      update += ', #error = :error';
      values[':error'] = shortError(extra.error);
    } else {
      update += ' REMOVE #error';
    }
    return this.updateRun(runId, update, { '#status': 'status', '#error': 'error' }, values);
  }

  /** Sets the run's valve (pause, throttle); workers pick it up before their next claim. */
  async setValve(runId: string, valve: RunValve): Promise<RunRecord> {
    return this.updateRun(runId, 'SET #valve = :valve', { '#valve': 'valve' }, { ':valve': valve });
  }

  /** Shows (or clears, with null) that the run waits for the database load to fall. */
  async setWaiting(runId: string, waiting: RunRecord['waiting'] | null): Promise<RunRecord> {
    return waiting ? this.updateRun(runId, 'SET #waiting = :w', { '#waiting': 'waiting' }, { ':w': waiting }) : this.updateRun(runId, 'REMOVE #waiting', { '#waiting': 'waiting' }, {});
  }

  /**
   * Writes the plan's window records, once per run: returns the number written, or 0 when the
   * run was already planned (so a repeated Plan step can never reset finished windows).
   * Planning is single-writer (the Plan step); a crash mid-plan leaves plannedAt unset and the
   * whole plan is written again, which is safe because no window can have run before it is set.
   */
  async putWindows(runId: string, windows: readonly PlannedWindow[]): Promise<number> {
    const run = await this.getRun(runId);
    if (!run) throw new UsageError(`run ${runId} does not exist`);
    if (run.plannedAt) return 0;
    assertStateFormat(run);
    const now = new Date();
    const items = batchItems(runId, windows, now);
    await batchPut(this.doc, this.tableName, items);
    const count = windows.length;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(runId),
          UpdateExpression: 'SET plannedAt = :ts, updatedAt = :ts, windowCount = :n, counts = :counts, rowsWritten = :zero, sourceRows = :zero',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(plannedAt)',
          ExpressionAttributeValues: { ':ts': now.toISOString(), ':n': count, ':counts': { ...emptyCounts(), pending: count }, ':zero': 0 },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 0; // a concurrent planner finished first
      throw error;
    }
    return count;
  }

  /**
   * A run's windows in start order, optionally only one status and/or batch. Strongly consistent.
   * `starts` (first and last window start, inclusive) narrows the Query's key condition, so only
   * those items are read (and paid for) rather than the run's whole partition filtered afterwards.
   */
  async listWindows(runId: string, filter: WindowFilter = {}): Promise<WindowRecord[]> {
    const run = await this.grid(runId);
    if (!run) return [];
    if (!run.windowsOnDemand || (filter.status !== undefined && filter.status !== 'pending')) return this.storedWindows(runId, filter);
    // Unwritten windows are pending: lay every record in range over the grid.
    const windows = mergeWithGrid(run, await this.storedWindows(runId, { ...filter, status: undefined }), filter);
    return filter.status === undefined ? windows : windows.filter((w) => w.status === filter.status);
  }

  /** One page of the run's windows in start order, reading a bounded number of batch items (window-pages.ts). */
  async pageWindows(runId: string, query: PageQuery): Promise<WindowPage> {
    const run = await this.grid(runId);
    return run ? pageWindows(this.doc, this.tableName, runKey(runId).pk, run, query) : { windows: [] };
  }

  private storedWindows(runId: string, filter: WindowFilter): Promise<WindowRecord[]> {
    return storedWindows(this.doc, this.tableName, this.items, runId, filter);
  }

  /**
   * Claims those of `windows` that are claimable (pending, failed per `opts.allow`, or running
   * with an expired lease): one conditional write per batch item they lie in. Returns the claimed records.
   */
  async claimWindows(runId: string, windows: readonly WindowRef[], owner: string, opts: ClaimOptions): Promise<WindowRecord[]> {
    return claimWindows(await this.transitions(runId), windows, owner, this.options.holder && !opts.holder ? { ...opts, holder: this.options.holder } : opts);
  }

  /** running → succeeded for those `owner` still holds, each with its rows: one write per batch item. Returns their starts. */
  async completeWindows(runId: string, owner: string, results: readonly (WindowRef & WindowResult)[], counts?: CountSink): Promise<Set<string>> {
    return completeWindows(await this.transitions(runId), owner, results, counts);
  }

  async failWindows(runId: string, owner: string, windows: readonly WindowRef[], result: { error: unknown; durationMs: number }, counts?: CountSink): Promise<Set<string>> {
    return failWindows(await this.transitions(runId), owner, windows, result, counts);
  }

  /** running → pending (or `to`) while `owner` holds them: windows whose worker is known dead, or stopped at a time limit (see window-transitions). */
  async releaseWindows(runId: string, owner: string, windows: readonly WindowRef[], to?: ClaimableStatus): Promise<Set<string>> {
    return releaseWindows(await this.transitions(runId), owner, windows, to);
  }

  /** Extends `owner`'s leases on running windows (the heartbeat): returns the starts still held. */
  async renewWindowLeases(runId: string, owner: string, windows: readonly WindowRef[], leaseMs: number): Promise<Set<string>> {
    return renewWindowLeases(await this.transitions(runId), owner, windows, leaseMs);
  }

  /**
   * One window's claim. `opts.window` (end, batch) saves finding the window on the run's grid.
   * A window off the grid, or not claimable, gives null.
   */
  async claimWindow(runId: string, start: Date | string, owner: string, opts: ClaimOptions): Promise<WindowRecord | null> {
    const ref = await this.refOf(runId, start, opts.window);
    if (!ref) return null;
    const [claimed] = await this.claimWindows(runId, [ref], owner, opts);
    return claimed ?? null;
  }

  /** Extends `owner`'s lease on a running window (the heartbeat): false when it is not held any more. */
  async renewWindowLease(runId: string, start: Date | string, owner: string, leaseMs: number): Promise<boolean> {
    const ref = await this.refOf(runId, start);
    return ref !== null && (await this.renewWindowLeases(runId, owner, [ref], leaseMs)).size === 1;
  }

  async completeWindow(runId: string, start: Date | string, owner: string, result: WindowResult, counts?: CountSink): Promise<boolean> {
    const ref = await this.refOf(runId, start);
    return ref !== null && (await this.completeWindows(runId, owner, [{ ...ref, ...result }], counts)).size === 1;
  }

  async failWindow(runId: string, start: Date | string, owner: string, result: { error: unknown; durationMs: number }, counts?: CountSink): Promise<boolean> {
    const ref = await this.refOf(runId, start);
    return ref !== null && (await this.failWindows(runId, owner, [ref], result, counts)).size === 1;
  }

  /** A buffer that writes this run's count changes every few seconds at most (see count-buffer.ts). */
  countBuffer(runId: string): CountBuffer {
    return new CountBuffer(this.doc, this.tableName, runId);
  }

  /** running → pending (or `to`) while `owner` holds it: a window whose worker is known dead, or stopped at its time limit (see window-transitions). */
  async releaseWindow(runId: string, start: Date | string, owner: string, to?: ClaimableStatus): Promise<boolean> {
    const ref = await this.refOf(runId, start);
    return ref !== null && (await this.releaseWindows(runId, owner, [ref], to)).size === 1;
  }

  /** Windows a retry should run again: failed ones, and running ones whose lease expired before `now`. */
  async failedOrStuckWindows(runId: string, now: Date | number = Date.now()): Promise<WindowRecord[]> {
    const at = typeof now === 'number' ? now : now.getTime();
    const windows = await this.listWindows(runId);
    return windows.filter((w) => w.status === 'failed' || (w.status === 'running' && (w.leaseExpiresAt ?? 0) < at));
  }

  /**
   * Recomputes counts, rowsWritten and sourceRows from the window records and stores them:
   * the repair for counts left off by a crash between a window write and its count update.
   * Call it when no window is in flight (resume, finalize): a transition that lands between
   * the read and the write here would be overwritten.
   */
  async reconcileRun(runId: string): Promise<RunRecord> {
    const counts = emptyCounts();
    let rowsWritten = 0;
    let sourceRows = 0;
    for (const w of await this.listWindows(runId)) {
      counts[w.status] += 1;
      if (w.status === 'succeeded') {
        rowsWritten += w.rows ?? 0;
        sourceRows += w.sourceRows ?? 0;
      }
    }
    return this.updateRun(runId, 'SET counts = :counts, rowsWritten = :rows, sourceRows = :src, updatedAt = :ts', {}, {
      ':counts': counts,
      ':rows': rowsWritten,
      ':src': sourceRows,
      ':ts': new Date().toISOString(),
    });
  }

  /** Records Verify's verdict on the run (summaries only: counts and one-line reasons, redacted). */
  async recordVerify(runId: string, verify: NonNullable<RunRecord['verify']>): Promise<RunRecord> {
    const value = { status: verify.status, summary: shortError(verify.summary), ...(verify.problem ? { problem: shortError(verify.problem) } : {}) };
    return this.updateRun(runId, 'SET #verify = :verify, updatedAt = :ts', { '#verify': 'verify' }, { ':verify': value, ':ts': new Date().toISOString() });
  }

  private async updateRun(runId: string, update: string, names: Record<string, string>, values: Record<string, unknown>): Promise<RunRecord> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(runId),
          UpdateExpression: update,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
          ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRunRecord(out.Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new UsageError(`run ${runId} does not exist`);
      throw error;
    }
  }
}
