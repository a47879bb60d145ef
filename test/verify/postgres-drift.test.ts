// PostgreSQL on a real server: the demo migrations report clean (no false positives);
// a missing index, a changed column type, a dropped constraint and more are each
// reported; the repair, written as the next migration and applied like any other, makes
// the database clean (so it also ran on the scratch database, where nothing differed).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { loadMigrationSet } from '../../functions/engine/migrations/set.js';
import { Migrator } from '../../functions/engine/migrator/index.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { verifyTarget, writeRepairMigration } from '../../functions/engine/verify/index.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

let pg: TestPostgres;
let driver: Driver;
let dir: string;
let migrations: string;

beforeAll(async () => {
  pg = await startTestPostgres();
  dir = mkdtempSync(join(tmpdir(), 'hourglass-verify-pg-'));
  migrations = join(dir, 'migrations');
  cpSync(resolve('migrations/postgres'), migrations, { recursive: true });
  driver = await openDriver(parseTargetUrl(await pg.createDatabase('verify_drift')));
  await new Migrator(driver, loadMigrationSet(migrations), { runId: 'verify-pg' }).apply();
});

afterAll(async () => {
  await driver?.close();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const kinds = (report: Awaited<ReturnType<typeof verifyTarget>>) => report.differences.map((d) => `${d.severity} ${d.kind} ${d.object}`).sort();

describe('PostgreSQL drift', () => {
  it('the demo migrations report clean, and the scratch database is gone afterwards', async () => {
    const report = await verifyTarget(driver, loadMigrationSet(migrations));
    expect(report.differences).toEqual([]);
    expect(report.expectedVersions).toEqual([1, 2, 3, 4, 5]);
    const scratch = await driver.query("SELECT datname FROM pg_database WHERE datname LIKE 'hourglass_verify_%'");
    expect(scratch).toEqual([]);
  });

  it('reports a missing index, a changed type, a dropped constraint, and the rest', async () => {
    await driver.exec('DROP INDEX spans_start_time_idx');
    await driver.exec('ALTER TABLE spans ALTER COLUMN prompt_tokens TYPE bigint');
    await driver.exec('ALTER TABLE traces DROP CONSTRAINT traces_status_check');
    await driver.exec('CREATE INDEX spans_by_trace ON spans (trace_id)'); // the same as spans_trace_id_idx
    await driver.exec('ALTER INDEX logs_logged_at_idx RENAME TO logs_time_idx');
    await driver.exec('ALTER TABLE spans RENAME CONSTRAINT spans_duration_ms_check TO spans_duration_positive');
    await driver.exec('ALTER TABLE spans DROP CONSTRAINT spans_trace_id_fkey');
    await driver.exec('ALTER TABLE metrics ALTER COLUMN labels DROP DEFAULT');
    await driver.exec('ALTER TABLE spans ALTER COLUMN model SET NOT NULL');
    await driver.exec('ALTER TABLE traces DROP COLUMN ended_at');
    await driver.exec('ALTER TABLE logs ADD CONSTRAINT logs_body_short CHECK (length(body) < 10000)');
    await driver.exec('DROP TABLE span_stats_hourly');
    const report = await verifyTarget(driver, loadMigrationSet(migrations));
    expect(kinds(report)).toEqual([
      'error column_default metrics.labels', // NOT NULL without its default: inserts that omit it fail
      'error column_nullability spans.model',
      'error column_type spans.prompt_tokens',
      'error extra_constraint logs.logs_body_short',
      'error missing_column traces.ended_at',
      'error missing_constraint spans.spans_trace_id_fkey',
      'error missing_constraint traces.traces_status_check',
      'error missing_table span_stats_hourly',
      'warning constraint_name spans.spans_duration_ms_check',
      'warning duplicate_index spans.spans_by_trace',
      'warning index_name logs.logs_logged_at_idx',
      'warning missing_index spans.spans_start_time_idx',
    ]);
    const type = report.differences.find((d) => d.kind === 'column_type')!;
    expect(type).toMatchObject({ expected: 'integer', actual: 'bigint' });
    const sql = report.repair.statements.map((s) => s.sql);
    expect(sql).toContain('ALTER TABLE spans ALTER COLUMN prompt_tokens TYPE integer USING prompt_tokens::integer');
    expect(sql).toContain('CREATE INDEX IF NOT EXISTS spans_start_time_idx ON spans USING btree (start_time)');
    expect(sql).toContain('DROP INDEX IF EXISTS spans_by_trace');
    expect(sql).toContain('ALTER INDEX IF EXISTS logs_time_idx RENAME TO logs_logged_at_idx');
    // Tables first, foreign keys after the keys they reference.
    expect(sql[0]).toMatch(/^CREATE TABLE IF NOT EXISTS span_stats_hourly \(/);
    expect(sql.at(-1)).toMatch(/ADD CONSTRAINT spans_trace_id_fkey FOREIGN KEY/);
  });

  it('the repair, written as the next migration and applied, makes it clean', async () => {
    const before = loadMigrationSet(migrations);
    const report = await verifyTarget(driver, before);
    const path = writeRepairMigration(before, report.repair);
    expect(path).toBe(join(migrations, '0006_repair_schema_drift.up.sql'));
    expect(readFileSync(path, 'utf8')).toBe(report.repair.sql);
    const after = loadMigrationSet(migrations);
    await new Migrator(driver, after, { runId: 'verify-pg-repair' }).apply();
    const again = await verifyTarget(driver, after);
    expect(again.differences).toEqual([]);
    expect(again.expectedVersions).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => writeRepairMigration(after, again.repair)).toThrow(/nothing to write/);
  });

  it('extra tables and columns are reported and left alone', async () => {
    await driver.exec('CREATE TABLE notes (body text)');
    await driver.exec('ALTER TABLE traces ADD COLUMN region text NOT NULL');
    const report = await verifyTarget(driver, loadMigrationSet(migrations));
    // An extra NOT NULL column without a default breaks every insert that does not know it.
    expect(kinds(report)).toEqual(['error extra_column traces.region', 'warning extra_table notes']);
    expect(report.repair.statements).toEqual([]);
    expect(report.repair.notes.join('\n')).toMatch(/If unused: DROP TABLE notes;/);
  });
});
