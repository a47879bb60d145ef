// The conformance harness for ClickHouse: embedded chdb, a fresh `chdb:<dir>` per test.
// One process owns a chdb directory at a time, so the CLI's child processes each open the
// test's directory themselves, and this process opens it only inside inspect(), closing it
// before the next CLI call.
// Concurrency: ten CLI processes cannot share one chdb directory (the engine refuses a
// second process), so the ten concurrent applies run as ten Migrators with distinct run
// ids in this process, on one driver, racing for one DynamoDB lease on in-memory dynalite.
import type { Driver, Row } from '../../functions/engine/drivers/driver.js';
import { loadMigrationSet } from '../../functions/engine/migrations/set.js';
import { Migrator } from '../../functions/engine/migrator/index.js';
import { openDriver, withDriver } from '../../functions/engine/open-target.js';
import { DynamoLeaseProvider } from '../../functions/engine/state/leases.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { startDynamoFixture } from '../state/dynamo-fixture.js';
import { MALFORMED_URL_PASSWORD, type ConcurrentApplyResult, type EngineHarness, type TestTarget } from './harness.js';
import { errorMessage } from '../../functions/engine/errors.js';

export function clickHouseHarness(): EngineHarness {
  return {
    engine: 'clickhouse',
    transactional: false,
    secrets: [MALFORMED_URL_PASSWORD],
    malformedUrls: [
      'chdb:',
      `clickhouse://u:${MALFORMED_URL_PASSWORD}@127.0.0.1:99999/db`,
      `clickhouse://u:${MALFORMED_URL_PASSWORD}@127.0.0.1:8123/`,
      `clickhouses://u:${MALFORMED_URL_PASSWORD}@/db`,
      `clickhouse://u:${MALFORMED_URL_PASSWORD}@127.0.0.1:8123/bad-name!`,
    ],

    async start() {},
    async stop() {},

    async freshTarget(_id, dir) {
      return `chdb:${dir}/chdb`;
    },

    inspect: (url, fn) => withDriver(url, fn),

    async tables(driver) {
      const rows = await driver.query<{ name: string }>('SELECT name FROM system.tables WHERE database = currentDatabase()');
      return rows.map((r) => r.name).sort();
    },

    async schema(driver) {
      return driver.query(
        `SELECT t.name AS table, t.engine AS engine, t.sorting_key AS sorting_key, c.name AS column, c.type AS type
           FROM system.tables AS t JOIN system.columns AS c ON c.database = t.database AND c.table = t.name
          WHERE t.database = currentDatabase() ORDER BY t.name, c.position`,
      );
    },

    rawTracking(driver: Driver, view = 'stored'): Promise<Row[]> {
      // FINAL: a background merge between two snapshots must not read as a change.
      return driver.query(`SELECT * FROM hourglass_migrations${view === 'merged' ? ' FINAL' : ''} ORDER BY seq`);
    },

    createTable(name) {
      return `CREATE TABLE ${name} (id UInt32) ENGINE = MergeTree ORDER BY id`;
    },

    unreachableUrls() {
      return [{ what: 'refused port', url: 'clickhouse://u:s3cretpw@127.0.0.1:1/db', password: 's3cretpw' }];
    },

    async applyConcurrently(target: TestTarget, n: number): Promise<ConcurrentApplyResult[]> {
      const dynamo = await startDynamoFixture();
      try {
        const leases = new DynamoLeaseProvider(dynamo.doc, await dynamo.freshTable(), { pollMs: 20 });
        const driver = await openDriver(parseTargetUrl(target.url), { leases });
        try {
          const set = loadMigrationSet(target.migrations);
          const runs = Array.from({ length: n }, (_, i) =>
            new Migrator(driver, set, { runId: `conformance-runner-${i}`, lockTimeoutMs: 60_000 }).apply(),
          );
          const settled = await Promise.allSettled(runs);
          return settled.map((s, i) =>
            s.status === 'fulfilled'
              ? { ok: true, applied: s.value.applied.length, detail: `runner ${i}: applied ${s.value.applied.length}` }
              : { ok: false, applied: 0, detail: `runner ${i}: ${errorMessage(s.reason)}` },
          );
        } finally {
          await driver.close();
        }
      } finally {
        await dynamo.close();
      }
    },
  };
}
