// The DynamoDB state a command uses: a local dynalite on disk under --state by default,
// or any DynamoDB endpoint / the real table when HOURGLASS_DYNAMODB_ENDPOINT or
// HOURGLASS_TABLE_NAME (with AWS credentials) say so.
import { join } from 'node:path';
import type { LeaseProvider } from '../engine/drivers/lease.js';
import type { RunStore } from '../engine/state/run-store.js';

export interface StateHandle {
  leases: LeaseProvider;
  runs: RunStore;
  /** The DynamoDB endpoint the store talks to, when it is not the real service (dynalite, or HOURGLASS_DYNAMODB_ENDPOINT). */
  endpoint?: string;
  tableName: string;
  /** The local on-disk store: one process at a time holds it, so no other worker can be running a window. */
  exclusive: boolean;
  close(): Promise<void>;
}

export const LOCAL_TABLE = 'hourglass';

export async function openStateStore(stateDir: string): Promise<StateHandle> {
  const { createDocumentClient, ensureTable } = await import('../engine/state/client.js');
  const { DynamoLeaseProvider } = await import('../engine/state/leases.js');
  const { RunStore } = await import('../engine/state/run-store.js');
  const remoteTable = process.env.HOURGLASS_TABLE_NAME;
  const endpointOverride = process.env.HOURGLASS_DYNAMODB_ENDPOINT;
  let local: { endpoint: string; close(): Promise<void> } | undefined;
  let endpoint = endpointOverride;
  if (!remoteTable && !endpointOverride) {
    const { startLocalDynamo } = await import('../engine/state/local-dynamo.js');
    local = await startLocalDynamo({ dir: join(stateDir, 'dynamodb') });
    endpoint = local.endpoint;
  }
  const tableName = remoteTable ?? LOCAL_TABLE;
  const client = await createDocumentClient({ endpoint });
  if (!remoteTable) await ensureTable(client, tableName);
  return {
    leases: new DynamoLeaseProvider(client, tableName),
    runs: new RunStore(client, tableName),
    ...(endpoint !== undefined ? { endpoint } : {}),
    tableName,
    exclusive: local !== undefined,
    async close() {
      client.destroy();
      await local?.close();
    },
  };
}
