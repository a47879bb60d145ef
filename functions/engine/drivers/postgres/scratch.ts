// Scratch space on the target's own PostgreSQL server, where verify builds the schema the
// migrations produce (same server, same version: definitions print identically).
//   schema    a schema of the live database, the migrations run with search_path set to it
//             alone, so nothing unqualified can reach a live object. Needs CREATE on the database.
//   database  a database of its own, where a schema cannot isolate the migrations (they name
//             schemas, create extensions, set search_path). Needs CREATEDB.
// Either way the scratch is dropped by whoever opened it.
// With TimescaleDB, a scratch schema's search_path also holds the extension's schema (its API
// and time_bucket live there), guarded against reaching live objects through it (scratch-guard.ts),
// and a scratch database gets the extension created in it.
import type pg from 'pg';
import { ScratchUnavailableError, errorMessage } from '../../errors.js';
import { assertIdentifier, type Executor, type ScratchOptions, type ScratchRef, type ScratchSpace } from '../driver.js';
import { guardLiveObjects } from './scratch-guard.js';

const INSUFFICIENT_PRIVILEGE = '42501';

export interface ScratchHost {
  display: string;
  database: string;
  executor: Executor;
  openSession(database?: string): Promise<pg.Client>;
  clientExecutor(client: pg.Client): Executor;
}

/** `timescaleSchema`: where the live database has the timescaledb extension, or null. */
export async function openPostgresScratch(host: ScratchHost, name: string, options: ScratchOptions = {}, timescaleSchema: string | null = null): Promise<ScratchSpace> {
  assertIdentifier(name, 'scratch name');
  const kind = options.kind ?? 'schema';
  const create = kind === 'schema' ? `CREATE SCHEMA ${name}` : `CREATE DATABASE ${name}`;
  try {
    await host.executor.exec(create);
  } catch (error) {
    if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw error;
    const grant = kind === 'schema' ? `GRANT CREATE ON DATABASE ${host.database} TO <user>` : 'ALTER ROLE <user> CREATEDB';
    throw new ScratchUnavailableError(`verify builds the expected schema in a scratch ${kind}, but the user of ${host.display} may not create one (${grant}): ${errorMessage(error).split('\n')[0]}`, 'privilege', { cause: error });
  }
  const ref: ScratchRef = { name, kind };
  let session: pg.Client;
  try {
    session = await host.openSession(kind === 'database' ? name : undefined);
    if (kind === 'schema') await session.query(`SET search_path TO ${scratchSearchPath(name, timescaleSchema)}`);
    else if (timescaleSchema !== null) await session.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    if (options.statementTimeoutMs !== undefined) await session.query(`SET statement_timeout = ${Math.max(1, Math.floor(options.statementTimeoutMs))}`);
  } catch (error) {
    await dropPostgresScratch(host.executor, ref).catch(() => undefined); // the open error is the one to report
    throw error;
  }
  let dropping: Promise<void> | undefined;
  return {
    ...ref,
    exec: kind === 'schema' && timescaleSchema !== null ? guardLiveObjects(host.clientExecutor(session), name) : host.clientExecutor(session),
    drop: () => (dropping ??= session.end().catch(() => undefined).then(() => dropPostgresScratch(host.executor, ref))),
  };
}

/** The scratch schema alone, or followed by the timescaledb extension's schema. */
export function scratchSearchPath(name: string, timescaleSchema: string | null): string {
  return timescaleSchema === null ? assertIdentifier(name, 'scratch name') : `${assertIdentifier(name, 'scratch name')}, ${assertIdentifier(timescaleSchema, 'extension schema')}`;
}

export async function listPostgresScratch(executor: Executor, prefix: string): Promise<ScratchRef[]> {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const schemas = await executor.query<{ name: string }>('SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE {pattern} ORDER BY 1', { pattern });
  const databases = await executor.query<{ name: string }>('SELECT datname AS name FROM pg_database WHERE datname LIKE {pattern} ORDER BY 1', { pattern });
  return [...schemas.map(({ name }) => ({ name, kind: 'schema' as const })), ...databases.map(({ name }) => ({ name, kind: 'database' as const }))];
}

export async function dropPostgresScratch(executor: Executor, ref: ScratchRef): Promise<void> {
  const name = assertIdentifier(ref.name, 'scratch name');
  await executor.exec(ref.kind === 'schema' ? `DROP SCHEMA IF EXISTS ${name} CASCADE` : `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
