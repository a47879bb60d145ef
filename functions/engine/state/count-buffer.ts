// Run counts off the per-window path: a worker adds its window transitions up in memory and
// writes them to the run record in one UpdateItem at most every few seconds and when it
// stops. A crash loses at most those seconds of increments, which reconcileRun (resume,
// finalize) recomputes from the window records anyway.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { OperationError } from '../errors.js';
import { runKey } from './keys.js';
import { WINDOW_STATUSES, type WindowStatus } from './records.js';

export interface CountSink {
  move(from: WindowStatus, to: WindowStatus, add: { rowsWritten?: number; sourceRows?: number }): void;
}

/** How often a worker's buffer writes its count changes: the run's progress lags this much. */
export const COUNT_FLUSH_MS = 2_000;

type Delta = Record<WindowStatus | 'rowsWritten' | 'sourceRows', number>;
const zero = (): Delta => ({ pending: 0, running: 0, succeeded: 0, failed: 0, rowsWritten: 0, sourceRows: 0 });

/** The count changes of one state write: into a worker's buffer, or onto the run item in one UpdateItem. */
export class CountDelta implements CountSink {
  private readonly moves: [WindowStatus, WindowStatus, { rowsWritten?: number; sourceRows?: number }][] = [];

  move(from: WindowStatus, to: WindowStatus, add: { rowsWritten?: number; sourceRows?: number }): void {
    this.moves.push([from, to, add]);
  }

  async send(t: { doc: DynamoDBDocumentClient; table: string; runId: string }, sink?: CountSink): Promise<void> {
    if (this.moves.length === 0) return;
    if (sink) {
      for (const [from, to, add] of this.moves) sink.move(from, to, add);
      return;
    }
    const delta = zero();
    for (const [from, to, add] of this.moves) addMove(delta, from, to, add);
    if (!(await writeCounts(t.doc, t.table, t.runId, delta))) throw new OperationError(`run ${t.runId} has window records but no run record`);
  }
}

function addMove(delta: Delta, from: WindowStatus, to: WindowStatus, add: { rowsWritten?: number; sourceRows?: number }): void {
  delta[from] -= 1;
  delta[to] += 1;
  delta.rowsWritten += add.rowsWritten ?? 0;
  delta.sourceRows += add.sourceRows ?? 0;
}

export class CountBuffer implements CountSink {
  private delta = zero();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly doc: DynamoDBDocumentClient, private readonly table: string, private readonly runId: string, private readonly everyMs = COUNT_FLUSH_MS) {}

  move(from: WindowStatus, to: WindowStatus, add: { rowsWritten?: number; sourceRows?: number }): void {
    addMove(this.delta, from, to, add);
    this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), this.everyMs);
    this.timer.unref?.();
  }

  /** Writes what has accumulated; the last call before a worker stops must be awaited. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const delta = this.delta;
    this.delta = zero();
    this.flushing = this.flushing.catch(() => undefined).then(async () => void (await writeCounts(this.doc, this.table, this.runId, delta)));
    return this.flushing;
  }
}

/** Adds `delta` to the run's counts in one UpdateItem (none when it is all zero); false when the run item is gone. */
async function writeCounts(doc: DynamoDBDocumentClient, table: string, runId: string, delta: Delta): Promise<boolean> {
  const sets: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':ts': new Date().toISOString() };
  for (const status of WINDOW_STATUSES) {
    if (delta[status] === 0) continue;
    names[`#${status}`] = status;
    values[`:${status}`] = delta[status];
    sets.push(`counts.#${status} = counts.#${status} + :${status}`);
  }
  for (const key of ['rowsWritten', 'sourceRows'] as const) {
    if (delta[key] === 0) continue;
    values[`:${key}`] = delta[key];
    sets.push(`${key} = ${key} + :${key}`);
  }
  if (sets.length === 0) return true;
  try {
    await doc.send(new UpdateCommand({
      TableName: table,
      Key: runKey(runId),
      UpdateExpression: `SET ${[...sets, 'updatedAt = :ts'].join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    }));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
