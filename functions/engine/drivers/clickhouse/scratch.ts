// A scratch database on the target's own ClickHouse server, where verify builds the schema
// the migrations produce: same server, same version, so types and view queries print exactly
// as they do on the live database. Nothing embedded is needed, which is what lets verify run
// in Lambda. The live database is never touched; the scratch is dropped by whoever opened it.
import { ScratchUnavailableError, errorMessage } from '../../errors.js';
import { assertIdentifier, type ScratchOptions, type ScratchRef, type ScratchSpace } from '../driver.js';
import type { OpenedClient } from './connect.js';
import { clientExecutor } from './executor.js';

/** ClickHouse's ACCESS_DENIED (and NOT_ENOUGH_PRIVILEGES on older servers). */
const ACCESS_DENIED = new Set(['497', '241']);

export async function openScratchDatabase(opened: OpenedClient, display: string, name: string, options: ScratchOptions = {}): Promise<ScratchSpace> {
  assertIdentifier(name, 'scratch database name');
  if (options.kind === 'schema') throw new ScratchUnavailableError('ClickHouse has no schemas: a scratch is a database', 'isolation');
  try {
    await opened.client.command({ query: `CREATE DATABASE ${name}` });
  } catch (error) {
    if (ACCESS_DENIED.has(String((error as { code?: unknown }).code))) {
      throw new ScratchUnavailableError(
        `verify builds the expected schema in a scratch database, but the user of ${display} may not create one: GRANT CREATE DATABASE, DROP DATABASE, CREATE TABLE, CREATE VIEW, DROP TABLE, DROP VIEW, ALTER, SELECT, INSERT ON hourglass_verify_*.* (${errorMessage(error).split('\n')[0]})`,
        'privilege',
        { cause: error },
      );
    }
    throw error;
  }
  const dropDatabase = () => opened.client.command({ query: `DROP DATABASE IF EXISTS ${name} SYNC` }).then(() => undefined);
  let scoped: Awaited<ReturnType<OpenedClient['withDatabase']>>;
  try {
    scoped = await opened.withDatabase(name);
  } catch (error) {
    await dropDatabase().catch(() => undefined); // the open error is the one to report
    throw error;
  }
  const settings = options.statementTimeoutMs === undefined ? {} : { max_execution_time: Math.max(1, Math.ceil(options.statementTimeoutMs / 1000)) };
  let dropping: Promise<void> | undefined;
  return {
    name,
    kind: 'database',
    exec: clientExecutor(scoped.client, settings),
    drop: () => (dropping ??= scoped.release().finally(dropDatabase)),
  };
}

export async function listScratchDatabases(opened: OpenedClient, prefix: string): Promise<ScratchRef[]> {
  const rs = await opened.client.query({ query: 'SELECT name FROM system.databases WHERE startsWith(name, {prefix:String}) ORDER BY name', query_params: { prefix }, format: 'JSONEachRow' });
  return (await rs.json<{ name: string }>()).map(({ name }) => ({ name, kind: 'database' as const }));
}

export async function dropScratchDatabase(opened: OpenedClient, ref: ScratchRef): Promise<void> {
  await opened.client.command({ query: `DROP DATABASE IF EXISTS ${assertIdentifier(ref.name, 'scratch database name')} SYNC` });
}
