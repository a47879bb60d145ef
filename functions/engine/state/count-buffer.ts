// Run counts off the per-window path: a worker adds its window transitions up in memory and
// writes them to the run record in one UpdateItem at most once a second and when it
// stops. That halves the state writes per window. A crash loses at most a second of
// increments, which reconcileRun (resume, finalize) recomputes from the windows anyway.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { runKey } from './keys.js';
import { WINDOW_STATUSES, type WindowStatus } from './records.js';

export interface CountSink {
  move(from: WindowStatus, to: WindowStatus, add: { rowsWritten?: number; sourceRows?: number }): void;
}

export class CountBuffer implements CountSink {
  private delta = { pending: 0, running: 0, succeeded: 0, failed: 0, rowsWritten: 0, sourceRows: 0 };
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly doc: DynamoDBDocumentClient, private readonly table: string, private readonly runId: string, private readonly everyMs = 1000) {}

  move(from: WindowStatus, to: WindowStatus, add: { rowsWritten?: number; sourceRows?: number }): void {
    this.delta[from] -= 1;
    this.delta[to] += 1;
    this.delta.rowsWritten += add.rowsWritten ?? 0;
    this.delta.sourceRows += add.sourceRows ?? 0;
    this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), this.everyMs);
    this.timer.unref?.();
  }

  /** Writes what has accumulated; the last call before a worker stops must be awaited. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const delta = this.delta;
    this.delta = { pending: 0, running: 0, succeeded: 0, failed: 0, rowsWritten: 0, sourceRows: 0 };
    this.flushing = this.flushing.catch(() => undefined).then(() => this.write(delta));
    return this.flushing;
  }

  private async write(delta: CountBuffer['delta']): Promise<void> {
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
    if (sets.length === 0) return;
    await this.doc.send(new UpdateCommand({
      TableName: this.table,
      Key: runKey(this.runId),
      UpdateExpression: `SET ${[...sets, 'updatedAt = :ts'].join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    }));
  }
}
