// verify builds the expected PostgreSQL schema on the target's own server: in a scratch
// schema of the live database (search_path set to it alone, so a role with CREATE on the
// database suffices and nothing unqualified reaches a live object), or in a scratch database
// where a schema cannot isolate the migrations. A missing privilege is named in one line and
// makes the run unverified; the scratch is gone afterwards either way.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { ScratchUnavailableError } from '../../functions/engine/errors.js';
import { loadMigrationSet, type MigrationSet } from '../../functions/engine/migrations/set.js';
import { Migrator } from '../../functions/engine/migrator/index.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { verifyTarget } from '../../functions/engine/verify/index.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

let server: TestPostgres;
let dir: string;

beforeAll(async () => {
  server = await startTestPostgres();
  dir = mkdtempSync(join(tmpdir(), 'hourglass-scratch-pg-'));
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let sets = 0;
function migrations(files: Record<string, string>): MigrationSet {
  const folder = join(dir, `m${++sets}`);
  mkdirSync(folder);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  return loadMigrationSet(folder);
}

async function admin<T>(database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server.url(database) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A database owned by the admin, and a login role that may (or may not) create schemas in it. */
async function restrictedTarget(db: string, role: string, { createOnDatabase }: { createOnDatabase: boolean }): Promise<string> {
  await server.createDatabase(db);
  await admin('postgres', async (c) => {
    await c.query(`DROP ROLE IF EXISTS ${role}`);
    await c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-${role}' NOCREATEDB`);
    await c.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
    await c.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${role}`);
    if (createOnDatabase) await c.query(`GRANT CREATE ON DATABASE ${db} TO ${role}`);
  });
  await admin(db, (c) => c.query(`GRANT ALL ON SCHEMA public TO ${role}`));
  const url = new URL(server.url(db));
  url.username = role;
  url.password = `pw-${role}`;
  return url.href;
}

const scratches = (db: string) => admin(db, async (c) => (await c.query<{ name: string }>(
  "SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'hourglass\\_verify\\_%' UNION ALL SELECT datname FROM pg_database WHERE datname LIKE 'hourglass\\_verify\\_%'",
)).rows.map((r) => r.name));

describe('the PostgreSQL scratch', () => {
  it('a role with CREATE on the database but not CREATEDB verifies the demo migrations clean, in a scratch schema that is gone afterwards', async () => {
    const url = await restrictedTarget('scratch_schema', 'hg_schema_only', { createOnDatabase: true });
    const folder = join(dir, 'demo');
    cpSync(resolve('migrations/postgres'), folder, { recursive: true });
    const set = loadMigrationSet(folder);
    const report = await withDriver(parseTargetUrl(url), async (driver: Driver) => {
      await new Migrator(driver, set, { runId: 'scratch-pg' }).apply();
      return verifyTarget(driver, set, { schemaOnly: true });
    });
    expect(report.differences).toEqual([]);
    expect(report.clean).toBe(true);
    expect(await scratches('scratch_schema')).toEqual([]);
  });

  it('unqualified statements stay in the scratch schema: DROP TABLE IF EXISTS of a live table leaves its rows', async () => {
    const url = await server.createDatabase('scratch_isolated');
    await admin('scratch_isolated', (c) => c.query('CREATE TABLE keepme (id int); INSERT INTO keepme SELECT generate_series(1, 50)'));
    const set = migrations({ '0001_keep.up.sql': 'DROP TABLE IF EXISTS keepme;\nCREATE TABLE keepme (id int);\nINSERT INTO keepme VALUES (1);\nTRUNCATE keepme;' });
    await withDriver(parseTargetUrl(url), (driver) => verifyTarget(driver, set, { schemaOnly: true }));
    expect(await admin('scratch_isolated', async (c) => (await c.query('SELECT count(*)::int AS n FROM keepme')).rows)).toEqual([{ n: 50 }]);
  });

  it('without CREATE on the database the missing privilege is named, and nothing is left', async () => {
    const url = await restrictedTarget('scratch_denied', 'hg_no_create', { createOnDatabase: false });
    const set = migrations({ '0001_t.up.sql': 'CREATE TABLE t (id int);' });
    const error = await withDriver(parseTargetUrl(url), (driver) => verifyTarget(driver, set, { schemaOnly: true })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScratchUnavailableError);
    expect((error as ScratchUnavailableError).reason).toBe('privilege');
    expect((error as Error).message).toContain('GRANT CREATE ON DATABASE scratch_denied');
    expect((error as Error).message).not.toContain('pw-hg_no_create');
    expect(await scratches('scratch_denied')).toEqual([]);
  });

  it('migrations that name schemas go to a scratch database: with CREATEDB they verify, without it CREATEDB is named', async () => {
    const files = { '0001_q.up.sql': 'CREATE TABLE public.qualified (id int);\nCREATE INDEX qualified_id ON public.qualified (id);' };
    const url = await server.createDatabase('scratch_db_fallback');
    const set = migrations(files);
    const report = await withDriver(parseTargetUrl(url), async (driver) => {
      await new Migrator(driver, set, { runId: 'fallback' }).apply();
      return verifyTarget(driver, set, { schemaOnly: true });
    });
    expect(report.differences).toEqual([]);
    expect(await scratches('scratch_db_fallback')).toEqual([]);

    const restricted = await restrictedTarget('scratch_db_denied', 'hg_no_createdb', { createOnDatabase: true });
    const error = await withDriver(parseTargetUrl(restricted), (driver) => verifyTarget(driver, migrations(files), { schemaOnly: true })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScratchUnavailableError);
    expect((error as Error).message).toContain('CREATEDB');
  });

  it('a migration that a schema cannot hold after all (a function in public, as extensions install them) is built in a scratch database instead', async () => {
    // Every new database is a copy of template1, so the scratch database has the function too.
    await admin('template1', (c) => c.query("CREATE FUNCTION public.hg_answer() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 42'"));
    try {
      const url = await server.createDatabase('scratch_runtime_fallback');
      // Unqualified, so only the failed build in the schema can tell.
      const set = migrations({ '0001_uses_fn.up.sql': 'CREATE TABLE answers (id int DEFAULT hg_answer());' });
      const report = await withDriver(parseTargetUrl(url), async (driver) => {
        await new Migrator(driver, set, { runId: 'fn' }).apply();
        return verifyTarget(driver, set, { schemaOnly: true });
      });
      expect(report.differences).toEqual([]);
      expect(await scratches('scratch_runtime_fallback')).toEqual([]);
    } finally {
      await admin('template1', (c) => c.query('DROP FUNCTION public.hg_answer()'));
    }
  });
});
