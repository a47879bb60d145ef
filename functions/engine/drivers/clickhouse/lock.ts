// The migration lock of a ClickHouse target. ClickHouse has no compare-and-set a lock could
// be built on (inserts always succeed, mutations are asynchronous), so the lock is a lease
// in a store that has conditional writes, handed to the driver as a LeaseProvider.
import type { MigrationLock } from '../driver.js';
import type { LeaseProvider } from '../lease.js';
import { HourglassError, OperationError, errorMessage } from '../../errors.js';

/** How long a lease outlives a holder that stopped renewing it (crashed). */
export const LEASE_TTL_MS = 60_000;

export async function acquireMigrationLease(
  provider: LeaseProvider | undefined, key: string, owner: string, timeoutMs: number, ttlMs = LEASE_TTL_MS,
): Promise<MigrationLock> {
  if (!provider) {
    throw new OperationError(`ClickHouse has no locks of its own: taking the migration lock of ${key} needs a lease store (DynamoDB), and none was configured`);
  }
  try {
    return await provider.acquire(key, owner, { ttlMs, timeoutMs });
  } catch (error) {
    // LockBusyError and the store's own typed errors pass through unchanged.
    if (error instanceof HourglassError || !(error instanceof Error)) throw error;
    throw new OperationError(`cannot take the migration lease ${key}: ${errorMessage(error)}`, { cause: error });
  }
}
