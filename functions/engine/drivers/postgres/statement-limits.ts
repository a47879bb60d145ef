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

/**
 * Each statement of `exec` under `limits()`: set just before it (local to the transaction when
 * `inTransaction()`, where COMMIT/ROLLBACK drops them), else on the session and reset after it,
 * so nothing else on the session inherits the limit.
 */
export function limitedStatements(exec: Executor, limits: () => StatementLimits, inTransaction: () => boolean): Executor {
  async function limited<T>(run: () => Promise<T>): Promise<T> {
    const local = inTransaction();
    const { timeLimitMs, label } = limits();
    await exec.query("SELECT set_config('statement_timeout', {ms}, {local}), set_config('application_name', {name}, {local})", {
      ms: String(timeLimitMs === undefined ? 0 : Math.max(1, Math.round(timeLimitMs))),
      name: (label ?? '').slice(0, 63),
      local,
    });
    let failed = false;
    try {
      return await run();
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // A failed reset after a failed statement must not hide the statement's error.
      if (!local) await exec.exec('RESET statement_timeout; RESET application_name').catch((error: unknown) => { if (!failed) throw error; });
    }
  }
  return {
    client: exec.client,
    exec: (sql, params) => limited(() => exec.exec(sql, params)),
    query: (sql, params) => limited(() => exec.query(sql, params)),
  };
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
 * transaction (aborted)" after the cancel, holding its locks, or idle with its label: that one is terminated.
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
      // Idle with the label still set: a session-level label (Apply outside a transaction) whose client is gone.
      const verb = row.state?.startsWith('idle') ? 'pg_terminate_backend' : 'pg_cancel_backend';
      await exec.query(`SELECT ${verb}({pid})`, { pid: row.pid });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
