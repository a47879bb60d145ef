// One in-memory dynalite per test file, a fresh table per test (so tests don't see each
// other's items), and the clients to reach it.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../functions/engine/state/local-dynamo.js';
import { createDocumentClient, ensureTable } from '../../functions/engine/state/client.js';

export interface DynamoFixture {
  local: LocalDynamo;
  doc: DynamoDBDocumentClient;
  /** Creates a new, empty table and returns its name. */
  freshTable(): Promise<string>;
  close(): Promise<void>;
}

let tableSeq = 0;

export async function startDynamoFixture(): Promise<DynamoFixture> {
  const local = await startLocalDynamo({});
  const doc = await createDocumentClient({ endpoint: local.endpoint });
  return {
    local,
    doc,
    async freshTable() {
      const name = `hourglass-test-${++tableSeq}`;
      await ensureTable(doc, name);
      return name;
    },
    async close() {
      doc.destroy();
      await local.close();
    },
  };
}
