// Apply within the Lambda's time (migrator/time-budget.ts), on real engines: with a deadline,
// every migration statement carries a server-side limit of the time left and a label naming
// run and version, so a statement that cannot finish is stopped by the server (not left
// running), and the migration is recorded failed with the way out (an apply from the CLI).
// Without the deadline (the CLI) nothing is limited.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import type { LeaseProvider } from '../../functions/engine/drivers/lease.js';
import { MigrationFailedError } from '../../functions/engine/errors.js';
import { Migrator } from '../../functions/engine/migrator/index.js';
import { loadMigrationSet } from '../../functions/engine/migrations/set.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

const HINT = 'too long for one Lambda invocation: apply it with no time limit from the CLI (`hourglass --url <target> apply`) on a host that reaches the database (README: Long migrations)';

/** Stands in for the DynamoDB lease store (not a database): ClickHouse's migration lock, one holder. */
const leases: LeaseProvider = { acquire: async () => ({ release: async () => undefined }) };

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'hourglass-apply-budget-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

async function applyWith(driver: Driver, dir: string, deadline: number | undefined): Promise<unknown> {
  const migrator = new Migrator(driver, loadMigrationSet(dir), { runId: 'budget-run', lockTimeoutMs: 5_000, ...(deadline !== undefined ? { deadline } : {}) });
  return migrator.apply().then(() => 'applied', (error: unknown) => error);
}

async function trackedError(driver: Driver, version: number): Promise<{ status: string; error: string | null } | undefined> {
  const row = (await driver.readTracking()).find((r) => r.version === version);
  return row && { status: row.status, error: row.error };
}

describe('PostgreSQL', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it.each([
    ['in its transaction', ''],
    ['without a transaction', '-- hourglass:no-transaction\n'],
  ])('a statement that outlives the time left is stopped by statement_timeout %s, recorded failed with the way out', async (_what, header) => {
    const url = await pg.createDatabase(`budget_${header ? 'notx' : 'tx'}`);
    const driver = await openDriver(parseTargetUrl(url));
    try {
      const dir = folder(`pg-${header ? 'notx' : 'tx'}`, { '0001_slow.up.sql': `${header}SELECT pg_sleep(120);\n` });
      const error = await applyWith(driver, dir, Date.now() + 3_000);
      expect(error).toBeInstanceOf(MigrationFailedError);
      expect((error as Error).message).toMatch(/^migration 1 \(slow\) failed at statement 1 \(SELECT pg_sleep\(120\)\): stopped by the server at its time limit \(\d+ ms, the time this invocation had left; canceling statement due to statement timeout\): /);
      expect((error as Error).message.endsWith(HINT)).toBe(true);
      const tracked = await trackedError(driver, 1);
      expect(tracked?.status).toBe('failed');
      expect(tracked?.error).toContain(HINT);
      // Stopped on the server, and the session kept none of the limit or the label.
      expect(await driver.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(120)%' AND state = 'active'")).toEqual([{ n: 0 }]);
      expect(await driver.query("SELECT current_setting('statement_timeout') AS timeout, starts_with(current_setting('application_name'), 'apply.') AS labelled")).toEqual([{ timeout: '0', labelled: false }]);
    } finally {
      await driver.close();
    }
  });

  it('the statements carry the run and version as application_name while they run; the CLI (no deadline) sets no limit', async () => {
    const url = await pg.createDatabase('budget_label');
    const driver = await openDriver(parseTargetUrl(url));
    try {
      const dir = folder('pg-label', { '0001_seen.up.sql': "CREATE TABLE seen AS SELECT current_setting('application_name') AS name, current_setting('statement_timeout') AS timeout;\n" });
      expect(await applyWith(driver, dir, Date.now() + 600_000)).toBe('applied');
      const [seen] = await driver.query<{ name: string; timeout: string }>('SELECT name, timeout FROM seen');
      expect(seen!.name).toBe('apply.budget-run.v1.1');
      expect(seen!.timeout).toMatch(/^\d+(ms|s|min)$/);
      expect(seen!.timeout).not.toBe('0');
      writeFileSync(join(dir, '0002_cli.up.sql'), "CREATE TABLE cli AS SELECT current_setting('application_name') AS name, current_setting('statement_timeout') AS timeout;\n");
      expect(await applyWith(driver, dir, undefined)).toBe('applied');
      expect(await driver.query('SELECT timeout FROM cli')).toEqual([{ timeout: '0' }]);
    } finally {
      await driver.close();
    }
  });

  it('no time left: the migration is not started, recorded failed with the way out, nothing changed', async () => {
    const url = await pg.createDatabase('budget_none');
    const driver = await openDriver(parseTargetUrl(url));
    try {
      const dir = folder('pg-none', { '0001_make.up.sql': 'CREATE TABLE made (id int);\n' });
      const error = await applyWith(driver, dir, Date.now() + 500);
      expect((error as Error).message).toMatch(/^migration 1 \(make\) failed at statement 1 \(CREATE TABLE made \(id int\)\): no time left in this invocation for the next statement \(\d+ ms\): /);
      expect((error as Error).message.endsWith(HINT)).toBe(true);
      expect((await trackedError(driver, 1))?.status).toBe('failed');
      expect(await driver.query("SELECT to_regclass('made') IS NULL AS absent")).toEqual([{ absent: true }]);
    } finally {
      await driver.close();
    }
  });
});

describe('ClickHouse (chdb)', () => {
  it('a statement that outlives the time left is stopped by max_execution_time, recorded failed with the way out', async () => {
    const dataDir = mkdtempSync(join(root, 'ch-'));
    const driver = await openDriver(parseTargetUrl(`chdb:${dataDir}`), { leases });
    try {
      const dir = folder('ch-slow', { '0001_slow.up.sql': 'SELECT count() FROM system.numbers WHERE number % 7 = 11;\n' });
      const error = await applyWith(driver, dir, Date.now() + 2_500);
      expect(error).toBeInstanceOf(MigrationFailedError);
      expect((error as Error).message).toMatch(/^migration 1 \(slow\) failed at statement 1 \(SELECT count\(\) FROM system\.numbers WHERE number % 7 = 11\): stopped by the server at its time limit \(\d+ ms, /);
      expect((error as Error).message.endsWith(HINT)).toBe(true);
      const tracked = await trackedError(driver, 1);
      expect(tracked?.status).toBe('failed');
      expect(tracked?.error).toContain(HINT);
      // Each statement carries the limit (its query id, apply.<run>.v<version>.<n>, chdb does not expose: queryID() is its own).
      const named = folder('ch-named', { '0001_seen.up.sql': "CREATE TABLE seen ENGINE = MergeTree ORDER BY tuple() AS SELECT toFloat64(getSetting('max_execution_time')) AS limit_s;\n" });
      await driver.exec('DROP TABLE hourglass_migrations');
      expect(await applyWith(driver, named, Date.now() + 600_000)).toBe('applied');
      const [seen] = await driver.query<{ limit_s: number }>('SELECT limit_s FROM seen');
      expect(seen!.limit_s).toBeGreaterThan(1);
      expect(seen!.limit_s).toBeLessThanOrEqual(600);
    } finally {
      await driver.close();
    }
  });
});
