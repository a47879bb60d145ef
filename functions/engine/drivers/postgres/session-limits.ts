// Statement limits for work that cannot run in a transaction block (TimescaleDB's
// refresh_continuous_aggregate): the same settings as statement-limits.ts, but for the session
// (set_config(…, false)), and put back when the work ends so the session's later work is
// unlimited and unnamed again.
import type { Executor, StatementLimits } from '../driver.js';

export async function withSessionLimits<T>(session: Executor, limits: StatementLimits, fn: (exec: Executor) => Promise<T>, broken: () => void): Promise<T> {
  try {
    if (limits.timeLimitMs !== undefined) {
      await session.query("SELECT set_config('statement_timeout', {ms}, false)", { ms: String(Math.max(1, Math.round(limits.timeLimitMs))) });
    }
    if (limits.label !== undefined) await session.query("SELECT set_config('application_name', {name}, false)", { name: limits.label.slice(0, 63) });
    return await fn(session);
  } finally {
    // A session that cannot be reset (connection lost) must not be reused with the limits on.
    await session.exec("RESET statement_timeout; SET application_name = 'hourglass'").catch(broken);
  }
}
