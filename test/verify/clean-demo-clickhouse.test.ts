// No false positives on ClickHouse: the demo migrations applied to a fresh embedded
// database report clean at every step, including half-way through the zero-downtime
// rebuild (0003 has a `{cutover}` view: the scratch database must use the same cut-over).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import type { LeaseProvider } from '../../functions/engine/drivers/lease.js';
import { loadMigrationSet, type MigrationSet } from '../../functions/engine/migrations/set.js';
import { Migrator } from '../../functions/engine/migrator/index.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { verifyTarget } from '../../functions/engine/verify/index.js';

// This test is the only process on its directory: the migration lock has nothing to guard.
const soleProcess: LeaseProvider = { acquire: async () => ({ release: async () => undefined }) };

let dir: string;
let driver: Driver;
let set: MigrationSet;
let migrator: Migrator;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-verify-clean-ch-'));
  driver = await openDriver(parseTargetUrl(`chdb:${join(dir, 'ch')}`), { leases: soleProcess });
  set = loadMigrationSet(resolve('migrations/clickhouse'));
  migrator = new Migrator(driver, set, { runId: 'verify-clean' });
});

afterAll(async () => {
  await driver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('demo migrations on ClickHouse', () => {
  it('half-way (0003 with its cut-over view) is clean, and the pending migrations are named', async () => {
    await migrator.apply({ to: 3 });
    const report = await verifyTarget(driver, set);
    expect(report.differences).toEqual([]);
    expect(report.clean).toBe(true);
    expect(report.expectedVersions).toEqual([1, 2, 3]);
    expect(report.warnings.join(' ')).toMatch(/2 migration\(s\) not applied yet \(4, 5\)/);
    const [view] = await driver.query<{ q: string }>("SELECT as_select AS q FROM system.tables WHERE name = 'traces_mv_new'");
    expect(view!.q).toMatch(/Timestamp >= toDateTime64\('\d{4}-/);
  });

  it('a cut-over view built with another time is drift', async () => {
    await driver.exec('DROP VIEW traces_mv_new');
    await driver.exec(`CREATE MATERIALIZED VIEW traces_mv_new TO traces_new AS
      SELECT TraceId, SpanId, Timestamp, ServiceName, SpanName AS OperationName, Duration, StatusCode, StatusCode = 'STATUS_CODE_ERROR' AS HasError
      FROM otel_traces WHERE ParentSpanId = '' AND Timestamp >= toDateTime64('2001-01-01 00:00:00', 3, 'UTC')`);
    const report = await verifyTarget(driver, set);
    expect(report.differences.map((d) => `${d.kind} ${d.object}`)).toEqual(['view_query traces_mv_new']);
    for (const s of report.repair.statements) await driver.exec(s.sql);
    expect((await verifyTarget(driver, set)).clean).toBe(true);
  });

  it('fully migrated, with data flowing through the view, is clean and fresh', async () => {
    await migrator.apply();
    const now = Date.now();
    const rows = Array.from({ length: 20 }, (_, i) => ({
      Timestamp: new Date(now - i * 60_000).toISOString().replace('T', ' ').replace('Z', ''),
      TraceId: `t${i}`, SpanId: `s${i}`, ParentSpanId: '', SpanName: 'GET /', SpanKind: 'server', ServiceName: 'api',
      Duration: 1000 + i, StatusCode: i % 5 === 0 ? 'STATUS_CODE_ERROR' : 'STATUS_CODE_OK', SpanAttributes: {},
    }));
    await (driver.client as ClickHouseClient).insert({ table: 'otel_traces', values: rows, format: 'JSONEachRow' });
    const report = await verifyTarget(driver, set);
    expect(report.differences).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.expectedVersions).toEqual([1, 2, 3, 4, 5]);
    expect(report.data.ok).toBe(true);
    expect(report.data.freshness).toMatchObject([{ view: 'traces_mv', target: 'traces', source: 'otel_traces', timeColumn: 'Timestamp', ok: true, lagMs: 0 }]);
    expect(report.repair.sql).toBe('');
  });

  it('a view that stopped delivering is reported stale', async () => {
    await driver.exec('DETACH TABLE traces_mv');
    await (driver.client as ClickHouseClient).insert({
      table: 'otel_traces', format: 'JSONEachRow',
      values: [{ Timestamp: new Date(Date.now() + 3 * 3_600_000).toISOString().replace('T', ' ').replace('Z', ''), TraceId: 'late', SpanId: 's', ParentSpanId: '', SpanName: 'x', SpanKind: 'server', ServiceName: 'api', Duration: 1, StatusCode: 'STATUS_CODE_OK', SpanAttributes: {} }],
    });
    await driver.exec('ATTACH TABLE traces_mv');
    const report = await verifyTarget(driver, set);
    expect(report.clean).toBe(true);
    expect(report.data.ok).toBe(false);
    const [fresh] = report.data.freshness;
    expect(fresh!.ok).toBe(false);
    expect(fresh!.lagMs).toBeGreaterThan(2 * 3_600_000);
  });
});
