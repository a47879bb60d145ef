// Apply within a Lambda invocation's time: every statement of a migration carries a server-side
// limit of the time left before the deadline (PostgreSQL statement_timeout, ClickHouse
// max_execution_time) and a deterministic label (application_name / query_id), so a statement
// that cannot finish is stopped by the server itself, never left running after the Lambda ends.
// The failure it records names the way out: an apply with no time limit, from the CLI.
import type { Driver, Executor, StatementLimits } from '../drivers/driver.js';
import { HourglassError, shortError } from '../errors.js';

/** Less than this left: the statement is not started at all. */
export const MIN_STATEMENT_MS = 1_000;

/** The way out, in the recorded error and README's "Long migrations". */
export const LONG_MIGRATION_HINT = 'too long for one Lambda invocation: apply it with no time limit from the CLI (`hourglass --url <target> apply`) on a host that reaches the database (README: Long migrations)';

/** The deadline came before a statement could start. */
export class OutOfTimeError extends HourglassError {
  readonly exitCode = 1 as const;
}

/** Label prefix of one migration's statements in one run: `apply.<run>.v<version>.` (letters, digits, `_.:-`). */
export function applyLabelPrefix(runId: string, version: number): string {
  return `apply.${runId.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 40)}.v${version}.`;
}

export interface BudgetedExecutor {
  exec: Executor;
  /** The limit given to the latest statement (ms). */
  lastLimitMs(): number | undefined;
}

/** `exec` with each statement limited to the time left before `deadline` and labelled `<prefix><n>`. */
export function budgetedExecutor(driver: Driver, exec: Executor, deadline: number, prefix: string, now: () => number = Date.now): BudgetedExecutor {
  let n = 0;
  let last: number | undefined;
  const limits = (): StatementLimits => {
    const left = deadline - now();
    if (left < MIN_STATEMENT_MS) throw new OutOfTimeError(`no time left in this invocation for the next statement (${Math.max(0, left)} ms)`);
    last = left;
    return { timeLimitMs: left, label: `${prefix}${++n}` };
  };
  return { exec: driver.limitStatements(exec, limits), lastLimitMs: () => last };
}

/** The recorded reason when the time ran out (the server stopped a statement, or none could start); undefined otherwise. */
export function outOfTimeReason(driver: Driver, error: unknown, lastLimitMs: number | undefined): string | undefined {
  if (error instanceof OutOfTimeError) return `${error.message}: ${LONG_MIGRATION_HINT}`;
  if (!driver.isStatementTimeout(error)) return undefined;
  return `stopped by the server at its time limit (${lastLimitMs ?? '?'} ms, the time this invocation had left; ${shortError(error, 80)}): ${LONG_MIGRATION_HINT}`;
}
