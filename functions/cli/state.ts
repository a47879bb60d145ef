// The DynamoDB state a command uses: a local dynalite on disk under --state by default
// (shared with other hourglass processes on the same directory: shared-state.ts),
// or any DynamoDB endpoint / the real table when HOURGLASS_DYNAMODB_ENDPOINT or
// HOURGLASS_TABLE_NAME (with AWS credentials) say so.
import type { LeaseProvider } from '../engine/drivers/lease.js';
import type { RunStore } from '../engine/state/run-store.js';
import type { SharedLocalState } from './shared-state.js';

export interface StateHandle {
  leases: LeaseProvider;
  runs: RunStore;
  /** The DynamoDB endpoint the store talks to, when it is not the real service (dynalite, or HOURGLASS_DYNAMODB_ENDPOINT). */
  endpoint?: string;
  tableName: string;
  /** This process serves the local on-disk store (it opened it first): no window can be running in a process that started before it. */
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
  let local: SharedLocalState | undefined;
  let endpoint = endpointOverride;
  if (!remoteTable && !endpointOverride) {
    local = await (await import('./shared-state.js')).openSharedLocalState(stateDir);
    endpoint = local.endpoint;
  }
  const tableName = remoteTable ?? LOCAL_TABLE;
  const client = await createDocumentClient({ endpoint });
  local?.attach(client);
  if (!remoteTable) await ensureTable(client, tableName);
  return {
    leases: new DynamoLeaseProvider(client, tableName),
    // A CLI process is on a real host: its leases carry its pid, so a resume here can see it died.
    runs: new RunStore(client, tableName, { holder: (await import('../engine/state/lease-holder.js')).thisProcess() }),
    ...(endpoint !== undefined ? { endpoint } : {}),
    tableName,
    exclusive: local?.serving() ?? false,
    async close() {
      client.destroy();
      await local?.close();
    },
  };
}
