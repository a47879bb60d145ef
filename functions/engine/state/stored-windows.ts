// Reading a run's stored window records: one GetItem for a batch, else one Query of the run's
// batch items, paged through (RunStore.listWindows and the reads built on it).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { BATCH_SK_PREFIX, runKey, toIso } from './keys.js';
import type { WindowRecord } from './records.js';
import { toWindowRecord, type BatchItems, type StoredWindows } from './batch-items.js';
import type { WindowFilter } from './run-store.js';

/**
 * The window records in the filter's range: one GetItem for a batch, else one Query of the
 * run's batch items. Records of the status filtered; unwritten windows are not among them.
 */
export async function storedWindows(doc: DynamoDBDocumentClient, tableName: string, batchItems: BatchItems, runId: string, filter: WindowFilter): Promise<WindowRecord[]> {
  const items: { batch: number; w: StoredWindows }[] = [];
  if (filter.batch !== undefined) {
    const w = await batchItems.read(runId, filter.batch);
    if (w) items.push({ batch: filter.batch, w });
  } else {
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(#sk, :bat)',
          ExpressionAttributeNames: { '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': runKey(runId).pk, ':bat': BATCH_SK_PREFIX },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        const batch = item.batch as number;
        const w = (item.w ?? {}) as StoredWindows;
        batchItems.remember(runId, batch, w);
        items.push({ batch, w });
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }
  const first = filter.starts ? toIso(filter.starts.first) : undefined;
  const last = filter.starts ? toIso(filter.starts.last) : undefined;
  const windows: WindowRecord[] = [];
  for (const { batch, w } of items) {
    for (const start of Object.keys(w).sort()) {
      if ((first !== undefined && start < first) || (last !== undefined && start > last)) continue;
      const record = toWindowRecord(runId, batch, start, w[start]!);
      if (filter.status === undefined || record.status === filter.status) windows.push(record);
    }
  }
  return windows.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}
