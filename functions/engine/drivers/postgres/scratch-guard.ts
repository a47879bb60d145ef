// Keeps a TimescaleDB scratch schema from reaching live objects. Its search_path holds the
// extension's schema after the scratch (create_hypertable, time_bucket live there), and that
// schema is usually `public`, where the live tables are: an unqualified name the scratch does
// not have (`DROP TABLE IF EXISTS old_metrics`, an INSERT into a table made by hand) would
// resolve to the live one. So each statement runs in a transaction, and before it commits the
// session's locks are read: a lock stronger than a read on a relation outside the scratch
// (and outside the server's and TimescaleDB's own catalogs) rolls it back and stops verify.
// Statements that cannot run in a transaction (CALL refresh_continuous_aggregate, …) run as
// they are; they act on the aggregate they name, which an earlier migration made in the scratch.
import { OperationError } from '../../errors.js';
import type { Executor, QueryParams, Row } from '../driver.js';

const ACTIVE_SQL_TRANSACTION = '25001';
const NO_TRANSACTION_HERE = /cannot (?:run|be executed) inside a transaction block|cannot be executed from a function/;

// Live relations, taken before the statement: a relation it drops has no pg_class row afterwards.
const LIVE_RELATIONS = `SELECT c.oid::bigint::text AS oid, n.nspname || '.' || c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname <> {scratch} AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' AND n.nspname NOT LIKE '\\_timescaledb%'`;
// This session's locks stronger than a read (PGlite, one backend, reports pid 0 and null).
const WRITE_LOCKS = `SELECT DISTINCT l.relation::bigint::text AS oid, l.mode
  FROM pg_locks l
 WHERE l.locktype = 'relation' AND l.mode <> 'AccessShareLock' AND l.pid IS NOT DISTINCT FROM NULLIF(pg_backend_pid(), 0)`;

export function guardLiveObjects(executor: Executor, scratch: string): Executor {
  async function guarded<T>(run: () => Promise<T>, sql: string): Promise<T> {
    await executor.exec('BEGIN');
    let result: T;
    try {
      const live = new Map((await executor.query<{ oid: string; name: string }>(LIVE_RELATIONS, { scratch })).map((r) => [r.oid, r.name]));
      result = await run();
      const touched = (await executor.query<{ oid: string; mode: string }>(WRITE_LOCKS))
        .filter((l) => live.has(l.oid))
        .map((l) => ({ name: live.get(l.oid)!, mode: l.mode }))
        .sort((a, b) => a.name.localeCompare(b.name));
      if (touched.length > 0) {
        throw new OperationError(
          `a statement run in the scratch schema ${scratch} reached live ${touched.map((t) => `${t.name} (${t.mode})`).join(', ')} through the TimescaleDB search_path; it was rolled back: ${sql.trim().split('\n')[0]!.slice(0, 120)}`,
        );
      }
    } catch (error) {
      await executor.exec('ROLLBACK').catch(() => undefined); // the statement's error is the one to report
      if (isNoTransaction(error)) return run();
      throw error;
    }
    await executor.exec('COMMIT');
    return result;
  }
  return {
    client: executor.client,
    exec: (sql: string, params?: QueryParams) => guarded(() => executor.exec(sql, params), sql),
    query: <T extends Row = Row>(sql: string, params?: QueryParams) => guarded(() => executor.query<T>(sql, params), sql),
  };
}

function isNoTransaction(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return e?.code === ACTIVE_SQL_TRANSACTION || NO_TRANSACTION_HERE.test(e?.message ?? '');
}
