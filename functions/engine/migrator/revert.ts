// Runs one down migration. PostgreSQL: the down and its `reverted` tracking row in one
// transaction. ClickHouse: statement by statement; a failure leaves the row `applied`
// with the error, since part of the down may have run and re-applying the up would be wrong.
import type { Driver, TrackingRow } from '../drivers/driver.js';
import { MigrationFailedError, shortError } from '../errors.js';
import { firstLine } from '../sql-split.js';
import { isNoTransaction, loadTypeScriptMigration, type Migration } from '../migrations/set.js';
import { migrationContext, type RunOptions } from './apply.js';

export interface RevertedMigration {
  version: number;
  name: string;
  durationMs: number;
}

export async function revertOne(driver: Driver, m: Migration, applied: TrackingRow, opts: RunOptions): Promise<RevertedMigration> {
  const now = opts.now ?? (() => new Date());
  const startedAt = now();
  opts.onEvent?.({ type: 'start', version: m.version, name: m.name, direction: 'down' });
  const reverted = (): TrackingRow => {
    const finishedAt = now();
    return { ...applied, status: 'reverted', startedAt, finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime(), error: null, statementsDone: 0, runId: opts.runId };
  };
  const statements = m.downSql === undefined ? null : driver.splitStatements(m.downSql);
  let index = 0;
  const runDown = async (exec: Parameters<typeof migrationContext>[0]) => {
    if (statements === null) {
      const mod = await loadTypeScriptMigration(m);
      await mod.down!(migrationContext(exec, driver, m));
      return;
    }
    for (index = 0; index < statements.length; index++) await exec.exec(statements[index]);
  };
  try {
    if (driver.transactional && !(await isNoTransaction(m))) {
      await driver.transaction(async (tx) => {
        await runDown(tx);
        await driver.writeTracking(reverted(), tx);
      });
    } else {
      await runDown(driver);
      await driver.writeTracking(reverted());
    }
  } catch (error) {
    const reason = shortError(error);
    await driver.writeTracking({ ...applied, error: `revert failed: ${reason}` });
    opts.onEvent?.({ type: 'failed', version: m.version, name: m.name, direction: 'down', error: reason });
    const failedIndex = statements ? index : null;
    throw new MigrationFailedError(m.version, m.name, failedIndex, statements && failedIndex !== null ? firstLine(statements[failedIndex], driver.engine) : null, `revert: ${reason}`, { cause: error });
  }
  const durationMs = now().getTime() - startedAt.getTime();
  opts.onEvent?.({ type: 'done', version: m.version, name: m.name, direction: 'down', durationMs });
  return { version: m.version, name: m.name, durationMs };
}
