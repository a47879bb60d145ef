// Writing a run's planned windows, one item per batch (batch-items.ts): BatchWriteItem in chunks of 25 (the API's limit), a few
// chunks in flight at once, UnprocessedItems (throttling) retried with exponential backoff.
// BatchWriteItem cannot be conditional, which is why RunStore.putWindows guards the whole
// plan with the run item's plannedAt instead (a run is planned once).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { OperationError, UsageError } from '../errors.js';
import { toIso } from './keys.js';
import type { PlannedWindow } from './records.js';
import { byBatch, plannedBatchItem } from './batch-items.js';

const CHUNK = 25;
const PARALLEL_CHUNKS = 4;
const MAX_ATTEMPTS = 10;

/** The batch items of a plan, every window pending, validated: end after start, batch a non-negative integer, starts unique. */
export function batchItems(runId: string, windows: readonly PlannedWindow[], now: Date): Record<string, unknown>[] {
  const seen = new Set<string>();
  const updatedAt = now.toISOString();
  const refs = windows.map((w, i) => {
    const start = toIso(w.start);
    const end = toIso(w.end);
    if (end <= start) throw new UsageError(`window ${i} ends (${end}) before it starts (${start})`);
    if (!Number.isInteger(w.batch) || w.batch < 0) throw new UsageError(`window ${start} has an invalid batch ${String(w.batch)}`);
    if (seen.has(start)) throw new UsageError(`window ${start} appears twice in the plan`);
    seen.add(start);
    return { start, end, batch: w.batch };
  });
  return [...byBatch(refs)].map(([batch, list]) => plannedBatchItem(runId, batch, list, updatedAt));
}

export async function batchPut(doc: DynamoDBDocumentClient, tableName: string, items: readonly Record<string, unknown>[]): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) chunks.push(items.slice(i, i + CHUNK));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      await putChunk(doc, tableName, chunk);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_CHUNKS, chunks.length) }, worker));
}

async function putChunk(doc: DynamoDBDocumentClient, tableName: string, chunk: Record<string, unknown>[]): Promise<void> {
  type Requests = NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>;
  let requests: Requests = { [tableName]: chunk.map((Item) => ({ PutRequest: { Item } })) };
  for (let attempt = 1; ; attempt++) {
    const out = await doc.send(new BatchWriteCommand({ RequestItems: requests }));
    const left = out.UnprocessedItems?.[tableName] ?? [];
    if (left.length === 0) return;
    if (attempt >= MAX_ATTEMPTS) {
      throw new OperationError(`state table ${tableName} left ${left.length} window records unwritten after ${MAX_ATTEMPTS} attempts (throttled)`);
    }
    requests = { [tableName]: left };
    await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2)));
  }
}
