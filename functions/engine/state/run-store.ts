// Runs and their windows in the state table: the backfill's bookkeeping.
// Window transitions and the run-count caveat (no transactions): see window-transitions.ts.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UsageError, shortError } from '../errors.js';
import { redact } from '../redact.js';
import { RUNS_GSI_PK, TABLE_KEYS, WINDOW_SK_PREFIX, assertRunId, runKey, runsIndexSortKey, toIso } from './keys.js';
import { RUN_STATUSES, emptyCounts, toRunRecord, toWindowRecord } from './records.js';
import type { NewRun, PlannedWindow, RunRecord, RunStatus, RunValve, WindowRecord, WindowStatus } from './records.js';
import { batchPut, windowItems } from './window-plan.js';
import { gridWindows } from '../backfill/windows.js';
import { parseWindowSize } from '../backfill/duration.js';
import { CountBuffer, type CountSink } from './count-buffer.js';
import { claimWindow, completeWindow, failWindow, releaseWindow, type ClaimOptions, type ClaimableStatus } from './window-transitions.js';

export interface WindowFilter {
  status?: WindowStatus;
  batch?: number;
  /** First and last window start, inclusive. */
  starts?: { first: Date | string; last: Date | string };
}

/** The run's grid windows in the filter's range, each its stored record or, with none, pending. */
function mergeWithGrid(run: RunRecord, stored: WindowRecord[], filter: WindowFilter): WindowRecord[] {
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

export class RunStore {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

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
      status: run.status ?? 'planned',
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
    return out.Item ? toRunRecord(out.Item) : null;
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
    const now = new Date();
    const items = windowItems(runId, windows, now);
    await batchPut(this.doc, this.tableName, items);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(runId),
          UpdateExpression: 'SET plannedAt = :ts, updatedAt = :ts, windowCount = :n, counts = :counts, rowsWritten = :zero, sourceRows = :zero',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(plannedAt)',
          ExpressionAttributeValues: { ':ts': now.toISOString(), ':n': items.length, ':counts': { ...emptyCounts(), pending: items.length }, ':zero': 0 },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 0; // a concurrent planner finished first
      throw error;
    }
    return items.length;
  }

  /**
   * A run's windows in start order, optionally only one status and/or batch. Strongly consistent.
   * `starts` (first and last window start, inclusive) narrows the Query's key condition, so only
   * those items are read (and paid for) rather than the run's whole partition filtered afterwards.
   */
  async listWindows(runId: string, filter: WindowFilter = {}): Promise<WindowRecord[]> {
    const run = await this.getRun(runId);
    if (!run?.windowsOnDemand) return this.queryWindows(runId, filter);
    // Unwritten windows are pending: read every record in range (a status filter on the Query
    // would hide which windows are written), then lay them over the grid.
    const stored = await this.queryWindows(runId, { ...filter, status: filter.status === 'pending' ? undefined : filter.status });
    if (filter.status !== undefined && filter.status !== 'pending') return stored;
    const windows = mergeWithGrid(run, stored, filter);
    return filter.status === undefined ? windows : windows.filter((w) => w.status === filter.status);
  }

  private async queryWindows(runId: string, filter: WindowFilter): Promise<WindowRecord[]> {
    const names: Record<string, string> = { '#sk': 'sk' };
    const values: Record<string, unknown> = { ':pk': runKey(runId).pk };
    let keyCondition = 'pk = :pk AND begins_with(#sk, :win)';
    if (filter.starts) {
      values[':first'] = `${WINDOW_SK_PREFIX}${toIso(filter.starts.first)}`;
      values[':last'] = `${WINDOW_SK_PREFIX}${toIso(filter.starts.last)}`;
      keyCondition = 'pk = :pk AND #sk BETWEEN :first AND :last';
    } else {
      values[':win'] = WINDOW_SK_PREFIX;
    }
    const conditions: string[] = [];
    if (filter.status !== undefined) {
      names['#status'] = 'status';
      values[':status'] = filter.status;
      conditions.push('#status = :status');
    }
    if (filter.batch !== undefined) {
      names['#batch'] = 'batch';
      values[':batch'] = filter.batch;
      conditions.push('#batch = :batch');
    }
    const windows: WindowRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: keyCondition,
          FilterExpression: conditions.length > 0 ? conditions.join(' AND ') : undefined,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) windows.push(toWindowRecord(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return windows;
  }

  /**
   * `opts.window` (end, batch) lets the claim write the record of a window that has none yet
   * (windows on demand); without it the run's grid is read to find them (one more read).
   */
  async claimWindow(runId: string, start: Date | string, owner: string, opts: ClaimOptions): Promise<WindowRecord | null> {
    if (opts.window === undefined) {
      const run = await this.getRun(runId);
      const at = new Date(toIso(start));
      const [g] = run?.windowsOnDemand ? gridWindows(new Date(run.rangeStart), new Date(run.rangeEnd), parseWindowSize(run.windowSize), run.batchSize, { first: at, last: at }) : [];
      if (g && g.start.getTime() === at.getTime()) opts = { ...opts, window: { end: g.end, batch: g.batch } };
    }
    return claimWindow(this.doc, this.tableName, runId, start, owner, opts);
  }

  completeWindow(runId: string, start: Date | string, owner: string, result: { rows: number; sourceRows?: number; durationMs: number }, counts?: CountSink): Promise<boolean> {
    return completeWindow(this.doc, this.tableName, runId, start, owner, result, counts);
  }

  failWindow(runId: string, start: Date | string, owner: string, result: { error: unknown; durationMs: number }, counts?: CountSink): Promise<boolean> {
    return failWindow(this.doc, this.tableName, runId, start, owner, result, counts);
  }

  /** A buffer that writes this run's count changes at most once a second (see count-buffer.ts). */
  countBuffer(runId: string): CountBuffer {
    return new CountBuffer(this.doc, this.tableName, runId);
  }

  /** running → pending (or `to`) while `owner` holds it: a window whose worker is known dead, or stopped at its time limit (see window-transitions). */
  releaseWindow(runId: string, start: Date | string, owner: string, to?: ClaimableStatus): Promise<boolean> {
    return releaseWindow(this.doc, this.tableName, runId, start, owner, to);
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
