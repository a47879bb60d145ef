// The migration lock on PostgreSQL: a session-level advisory lock on the driver's one
// connection. Advisory locks are scoped to the database, like the tracking table, and
// PostgreSQL drops the lock by itself when the session ends (a crashed run never leaves
// it behind).
import { LockBusyError } from '../../errors.js';
import type { Executor, MigrationLock } from '../driver.js';

/** First 8 bytes of sha256('hourglass_migrations') as a signed bigint: fixed, so every hourglass version agrees. */
export const MIGRATION_LOCK_KEY = '3767199831003335872';

const POLL_MS = 100;

export async function acquireAdvisoryLock(executor: Executor, display: string, owner: string, timeoutMs: number): Promise<MigrationLock> {
  const started = Date.now();
  // Lets an operator see in pg_stat_activity which run holds or waits for the lock.
  await executor.query("SELECT set_config('application_name', {name}, false)", { name: `hourglass ${owner}`.slice(0, 63) });
  for (;;) {
    const [row] = await executor.query<{ locked: boolean }>('SELECT pg_try_advisory_lock({key}::bigint) AS locked', { key: MIGRATION_LOCK_KEY });
    if (row?.locked) return heldLock(executor);
    const waited = Date.now() - started;
    if (waited >= timeoutMs) {
      throw new LockBusyError(`another process is applying migrations to ${display} (waited ${formatSeconds(waited)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, timeoutMs - waited)));
  }
}

function heldLock(executor: Executor): MigrationLock {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await executor.query('SELECT pg_advisory_unlock({key}::bigint)', { key: MIGRATION_LOCK_KEY });
    },
  };
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${seconds < 10 ? Math.round(seconds * 10) / 10 : Math.round(seconds)}s`;
}
