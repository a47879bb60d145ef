// Backfill statements with a server-side time limit: SET LOCAL statement_timeout inside the
// window's transaction (gone at COMMIT/ROLLBACK, so the session's other work is unlimited),
// and the session named after the window (application_name) so a later attempt can find it
// in pg_stat_activity.
import { OperationError } from '../../errors.js';
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

const CANCEL_WAIT_MS = 30_000;
const POLL_MS = 50;

/**
 * Cancels the statements of sessions whose application_name starts with `labelPrefix` and
 * waits until no such session is left. A session whose client is gone stays "idle in
 * transaction (aborted)" after the cancel, holding its locks: that one is terminated.
 */
export async function cancelStatements(exec: Executor, labelPrefix: string): Promise<void> {
  const deadline = Date.now() + CANCEL_WAIT_MS;
  for (;;) {
    const rows = await exec.query<{ pid: number; state: string | null }>(
      "SELECT pid, state FROM pg_stat_activity WHERE starts_with(application_name, {prefix}) AND pid <> pg_backend_pid()",
      { prefix: labelPrefix },
    );
    if (rows.length === 0) return;
    if (Date.now() > deadline) throw new OperationError(`an earlier attempt's statement (${labelPrefix}…) is still running after ${CANCEL_WAIT_MS / 1000} s of cancelling`);
    for (const row of rows) {
      const verb = row.state?.startsWith('idle in transaction') ? 'pg_terminate_backend' : 'pg_cancel_backend';
      await exec.query(`SELECT ${verb}({pid})`, { pid: row.pid });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
