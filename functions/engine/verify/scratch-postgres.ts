// The expected PostgreSQL schema: a scratch DATABASE on the target's own server (an
// embedded server included, since the driver is connected to it), created through the
// driver's connection, migrated, introspected and dropped. Same server, same version, so
// types, defaults and definitions print exactly as they do on the live database.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Driver } from '../drivers/driver.js';
import { clientExecutor } from '../drivers/postgres/index.js';
import { OperationError, errorMessage } from '../errors.js';
import type { MigrationSet } from '../migrations/set.js';
import { introspectPostgres } from './postgres-introspect.js';
import { applyToScratch, type ScratchPlan } from './scratch-apply.js';
import type { SchemaSnapshot } from './types.js';

export async function postgresExpectedSnapshot(
  driver: Driver, set: MigrationSet, plan: ScratchPlan, now: Date, warn: (message: string) => void,
): Promise<SchemaSnapshot> {
  const live = driver.client as pg.Client;
  const name = `hourglass_verify_${randomBytes(6).toString('hex')}`;
  try {
    await driver.exec(`CREATE DATABASE ${name}`);
  } catch (error) {
    if ((error as { code?: string }).code === '42501') {
      throw new OperationError(`verify builds the expected schema in a scratch database, but the user of ${driver.display} may not create databases (grant CREATEDB)`, { cause: error });
    }
    throw error;
  }
  try {
    const client = new pg.Client({ host: live.host, port: live.port, user: live.user, password: live.password, ssl: live.ssl, database: name, application_name: 'hourglass verify' });
    client.on('error', () => undefined); // a dropped connection surfaces through the next query
    await client.connect();
    try {
      await client.query("SET TIME ZONE 'UTC'");
      const exec = clientExecutor(client);
      await applyToScratch(exec, 'postgres', set, plan, now);
      const snapshot = await introspectPostgres(exec);
      return { ...snapshot, database: driver.database };
    } finally {
      await client.end();
    }
  } finally {
    await dropScratch(driver, name, warn);
  }
}

async function dropScratch(driver: Driver, name: string, warn: (message: string) => void): Promise<void> {
  try {
    await driver.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    // Leaving a scratch database behind must not hide the verify result; say so instead.
    warn(`could not drop the scratch database ${name}: ${errorMessage(error)}`);
  }
}
