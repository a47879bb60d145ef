// PostgreSQL views and materialized views: a changed view, a missing materialized view,
// a column type change under a view (PostgreSQL refuses it unless the view is dropped
// first), and the freshness of a materialized view that was not refreshed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { loadMigrationSet, type MigrationSet } from '../../functions/engine/migrations/set.js';
import { Migrator } from '../../functions/engine/migrator/index.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { verifyTarget } from '../../functions/engine/verify/index.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

const MIGRATIONS = fileURLToPath(new URL('./fixtures/postgres-views', import.meta.url));
let pg: TestPostgres;
let driver: Driver;
let set: MigrationSet;
let dir: string;

beforeAll(async () => {
  pg = await startTestPostgres();
  dir = mkdtempSync(join(tmpdir(), 'hourglass-verify-pgv-'));
  driver = await openDriver(parseTargetUrl(await pg.createDatabase('verify_views')));
  set = loadMigrationSet(MIGRATIONS);
  await new Migrator(driver, set, { runId: 'verify-views' }).apply();
});

afterAll(async () => {
  await driver?.close();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('PostgreSQL views', () => {
  it('freshly migrated is clean; a materialized view not refreshed after new rows is stale', async () => {
    expect((await verifyTarget(driver, set)).differences).toEqual([]);
    await driver.exec("INSERT INTO events (at, kind) VALUES (now() - interval '3 hours', 'a'), (now(), 'b')");
    const stale = await verifyTarget(driver, set);
    expect(stale.clean).toBe(true);
    expect(stale.data.ok).toBe(false);
    expect(stale.data.freshness).toMatchObject([{ view: 'events_hourly', ok: false, targetNewest: null, timeColumn: 'hour' }]);
    await driver.exec('REFRESH MATERIALIZED VIEW events_hourly');
    const fresh = await verifyTarget(driver, set);
    expect(fresh.data.freshness).toMatchObject([{ view: 'events_hourly', ok: true, lagMs: 0 }]);
    expect(fresh.data.ok).toBe(true);
  });

  it('reports a changed view, a missing materialized view and a type change under a view; the repair fixes all three', async () => {
    await driver.exec('DROP MATERIALIZED VIEW events_hourly');
    await driver.exec("CREATE OR REPLACE VIEW recent_events AS SELECT kind, at FROM events WHERE at > now() - interval '2 hours'");
    await driver.exec('DROP VIEW recent_events');
    await driver.exec('ALTER TABLE events ALTER COLUMN kind TYPE text');
    await driver.exec("CREATE VIEW recent_events AS SELECT kind, at FROM events WHERE at > now() - interval '2 hours'");
    const report = await verifyTarget(driver, set);
    expect(report.differences.map((d) => `${d.kind} ${d.object}`).sort()).toEqual([
      'column_type events.kind', 'missing_view events_hourly', 'view_query recent_events',
    ]);
    const sql = report.repair.statements.map((s) => s.sql);
    // The view over events goes before the type change and comes back after it.
    expect(sql.indexOf('DROP VIEW IF EXISTS recent_events')).toBeLessThan(sql.findIndex((s) => s.includes('ALTER COLUMN kind TYPE')));
    expect(sql.findIndex((s) => s.startsWith('CREATE VIEW recent_events'))).toBeGreaterThan(sql.findIndex((s) => s.includes('ALTER COLUMN kind TYPE')));
    for (const s of report.repair.statements) await driver.exec(s.sql);
    const after = await verifyTarget(driver, set);
    expect(after.differences).toEqual([]);
    expect(after.data.ok).toBe(true);
  });
});
