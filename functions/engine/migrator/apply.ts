// Applies pending migrations in version order under the target's lock, recording each in
// the tracking table before and after, and stopping at the first failure.
// PostgreSQL: each migration and its tracking row in one transaction (unless marked
// no-transaction). ClickHouse: statement by statement, progress recorded after each, so a
// failed migration resumes at the statement that failed.
import type { Driver, Executor, TrackingRow } from '../drivers/driver.js';
import { MigrationFailedError, shortError } from '../errors.js';
import { firstLine } from '../sql-split.js';
import { isNoTransaction, loadTypeScriptMigration, type Migration, type MigrationContext } from '../migrations/set.js';
import { substituteCutover, usesCutover, nextWindowStart } from './cutover.js';
import { applyLabelPrefix, budgetedExecutor, outOfTimeReason, type BudgetedExecutor } from './time-budget.js';

export interface MigrationEvent {
  type: 'start' | 'statement' | 'done' | 'failed';
  version: number;
  name: string;
  direction: 'up' | 'down';
  statementIndex?: number;
  statementCount?: number;
  durationMs?: number;
  error?: string;
}

export interface RunOptions {
  runId: string;
  now?: () => Date;
  onEvent?: (event: MigrationEvent) => void;
  /** Window size of the migration's backfill, for `{cutover}` (default 1h). */
  cutoverWindowMs?: (m: Migration) => Promise<number>;
  /**
   * Epoch ms by which every statement must have ended (Apply in Lambda: the invocation's end less
   * a margin). Each statement is limited on the server to the time left (time-budget.ts).
   */
  deadline?: number;
}

export interface AppliedMigration {
  version: number;
  name: string;
  durationMs: number;
  statements: number;
  resumedAt?: number;
  cutover?: string;
}

/** Applies one migration; throws MigrationFailedError after recording the failure. */
export async function applyOne(driver: Driver, m: Migration, previous: TrackingRow | undefined, opts: RunOptions): Promise<AppliedMigration> {
  const now = opts.now ?? (() => new Date());
  const startedAt = now();
  const emit = (e: Omit<MigrationEvent, 'version' | 'name' | 'direction'>) => opts.onEvent?.({ version: m.version, name: m.name, direction: 'up', ...e });
  const cutover = await resolveCutover(m, previous, startedAt, opts);
  const row = (status: TrackingRow['status'], extra: Partial<TrackingRow> = {}): TrackingRow => ({
    version: m.version, name: m.name, checksum: m.checksum, status, startedAt, finishedAt: null, durationMs: null,
    error: null, statementsDone: 0, runId: opts.runId, cutover, ...extra,
  });
  const finished = (statementsDone: number): Partial<TrackingRow> => {
    const finishedAt = now();
    return { finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime(), statementsDone };
  };
  const sql = m.upSql === undefined ? undefined : cutover ? substituteCutover(m.upSql, driver.engine, cutover) : m.upSql;
  const statements = sql === undefined ? null : driver.splitStatements(sql);
  emit({ type: 'start', statementCount: statements?.length });

  const inTransaction = driver.transactional && !(await isNoTransaction(m));
  // Only a failed non-transactional attempt left work behind to resume from.
  const resumeAt = !inTransaction && previous?.status === 'failed' ? Math.min(previous.statementsDone, statements?.length ?? 0) : 0;
  let current = resumeAt;
  // With a deadline, each statement is limited to the time left and labelled after run and version.
  let budget: BudgetedExecutor | undefined;
  const limited = (exec: Executor): Executor => {
    if (opts.deadline === undefined) return exec;
    budget = budgetedExecutor(driver, exec, opts.deadline, applyLabelPrefix(opts.runId, m.version));
    return budget.exec;
  };
  try {
    // A statement of an earlier attempt of this run (an invocation that ended) is stopped before this one starts.
    if (opts.deadline !== undefined) await driver.cancelStatements(applyLabelPrefix(opts.runId, m.version));
    if (inTransaction) {
      await driver.transaction(async (tx) => {
        current = await runUp(limited(tx), driver, m, statements, 0, emit);
        await driver.writeTracking(row('applied', finished(current)), tx);
      });
    } else {
      await driver.writeTracking(row('running', { statementsDone: resumeAt }));
      current = await runUp(limited(driver), driver, m, statements, resumeAt, emit, async (done) => {
        current = done;
        await driver.writeTracking(row('running', { statementsDone: done }));
      });
      await driver.writeTracking(row('applied', finished(current)));
    }
  } catch (error) {
    const failedIndex = statements ? (error instanceof StatementError ? error.index : current) : null;
    const cause = error instanceof StatementError ? error.cause : error;
    const reason = (budget && outOfTimeReason(driver, cause, budget.lastLimitMs())) ?? shortError(cause);
    const done = inTransaction ? 0 : failedIndex ?? 0;
    // The recorded error names the statement too, so `status` later says where it failed.
    const failedStatement = failedIndex === null ? undefined : statements?.[failedIndex];
    const where = failedStatement === undefined ? '' : `at statement ${failedIndex! + 1} (${firstLine(failedStatement, driver.engine)}): `;
    await driver.writeTracking(row('failed', { ...finished(done), error: shortError(`${where}${reason}`) }));
    emit({ type: 'failed', error: reason, statementIndex: failedIndex ?? undefined });
    throw new MigrationFailedError(m.version, m.name, failedIndex, failedIndex === null || !statements ? null : firstLine(statements[failedIndex], driver.engine), reason, { cause: error });
  }
  const durationMs = now().getTime() - startedAt.getTime();
  emit({ type: 'done', durationMs });
  return { version: m.version, name: m.name, durationMs, statements: statements?.length ?? 1, ...(resumeAt ? { resumedAt: resumeAt } : {}), ...(cutover ? { cutover: cutover.toISOString() } : {}) };
}

class StatementError extends Error {
  constructor(readonly index: number, readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

type Emit = (e: Omit<MigrationEvent, 'version' | 'name' | 'direction'>) => void;

async function runUp(exec: Executor, driver: Driver, m: Migration, statements: string[] | null, from: number, emit: Emit, progress?: (done: number) => Promise<void>): Promise<number> {
  if (statements === null) {
    const mod = await loadTypeScriptMigration(m);
    await mod.up(migrationContext(exec, driver, m));
    return 1;
  }
  for (let i = from; i < statements.length; i++) {
    try {
      await exec.exec(statements[i]);
    } catch (error) {
      throw new StatementError(i, error);
    }
    emit({ type: 'statement', statementIndex: i, statementCount: statements.length });
    await progress?.(i + 1);
  }
  return statements.length;
}

export function migrationContext(exec: Executor, driver: Driver, m: Migration): MigrationContext {
  return {
    engine: driver.engine,
    client: exec.client,
    exec: (sql, params) => exec.exec(sql, params),
    query: (sql, params) => exec.query(sql, params),
    log: (message) => process.stderr.write(`  [${m.version}_${m.name}] ${message}\n`),
  };
}

async function resolveCutover(m: Migration, previous: TrackingRow | undefined, now: Date, opts: RunOptions): Promise<Date | null> {
  if (!usesCutover(m.upSql)) return null;
  // A resumed or re-run migration keeps the cut-over it already published.
  if (previous?.cutover && previous.status !== 'reverted') return previous.cutover;
  const windowMs = opts.cutoverWindowMs ? await opts.cutoverWindowMs(m) : 3_600_000;
  return nextWindowStart(now, windowMs);
}
