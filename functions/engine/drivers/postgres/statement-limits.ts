// Backfill statements with a server-side time limit: SET LOCAL statement_timeout inside the
// window's transaction (gone at COMMIT/ROLLBACK, so the session's other work is unlimited),
// and the session named after the window (application_name) so a later attempt can find it
// in pg_stat_activity.
import type { Executor, StatementLimits } from '../driver.js';

/** query_canceled: statement_timeout (and pg_cancel_backend) end a statement with it. */
const QUERY_CANCELED = '57014';

export async function applyLimits(tx: Executor, limits: StatementLimits): Promise<void> {
  if (limits.timeLimitMs !== undefined) {
    await tx.query("SELECT set_config('statement_timeout', {ms}, true)", { ms: String(Math.max(1, Math.round(limits.timeLimitMs))) });
  }
  if (limits.label !== undefined) {
    await tx.query("SELECT set_config('application_name', {name}, true)", { name: limits.label.slice(0, 63) });
  }
}

export function isStatementTimeout(error: unknown): boolean {
  const e = error as { code?: unknown } | null;
  return typeof e === 'object' && e !== null && e.code === QUERY_CANCELED;
}
