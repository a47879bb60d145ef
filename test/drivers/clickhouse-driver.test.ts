// The ClickHouse driver against a real engine: embedded chdb in a fresh directory.
import { execFile } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver, TrackingRow } from '../../functions/engine/drivers/driver.js';
import type { Lease, LeaseProvider } from '../../functions/engine/drivers/lease.js';
import { openClickHouse } from '../../functions/engine/drivers/clickhouse/index.js';
import { bindParams } from '../../functions/engine/drivers/clickhouse/params.js';
import { countRows, sortingKeyInfo, tableExists } from '../../functions/engine/drivers/clickhouse/introspect-basics.js';
import { ConnectionError, LockBusyError, OperationError, UsageError } from '../../functions/engine/errors.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { scrubbedEnv } from '../support/env.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Stands in for the DynamoDB lease store (not a database): one holder per key, waiting
 * up to timeoutMs. Records every call so the test can see what the driver asked for.
 */
class InProcessLeases implements LeaseProvider {
  readonly calls: Array<{ key: string; owner: string; ttlMs: number; timeoutMs: number }> = [];
  private readonly held = new Map<string, string>();

  async acquire(key: string, owner: string, opts: { ttlMs: number; timeoutMs: number }): Promise<Lease> {
    this.calls.push({ key, owner, ...opts });
    const deadline = Date.now() + opts.timeoutMs;
    while (this.held.has(key)) {
      if (Date.now() >= deadline) throw new LockBusyError(`lease ${key} is held by ${this.held.get(key)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    this.held.set(key, owner);
    return { release: async () => { if (this.held.get(key) === owner) this.held.delete(key); } };
  }
}

const at = (iso: string): Date => new Date(iso);

type ClickHouseTarget = Extract<ReturnType<typeof parseTargetUrl>, { engine: 'clickhouse' }>;
function clickHouseTarget(url: string): ClickHouseTarget {
  const target = parseTargetUrl(url);
  if (target.engine !== 'clickhouse') throw new Error(`not a ClickHouse URL: ${url}`);
  return target;
}

function trackingRow(version: number, patch: Partial<TrackingRow>): TrackingRow {
  return {
    version, name: `m${version}`, checksum: 'a'.repeat(64), status: 'running',
    startedAt: at('2024-05-01T10:00:00.123Z'), finishedAt: null, durationMs: null, error: null,
    statementsDone: 0, runId: 'run-1', cutover: null, recordedBy: null, reason: null, ...patch,
  };
}

let dir: string;
let driver: Driver;
const leases = new InProcessLeases();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-ch-driver-'));
  driver = await openClickHouse(clickHouseTarget(`chdb:${dir}`), { leases });
});

afterAll(async () => {
  await driver?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tracking table on a fresh database', () => {
  it('readTracking returns [] and does not create the table', async () => {
    expect(await driver.readTracking()).toEqual([]);
    const rows = await driver.query<{ n: number }>("SELECT count() AS n FROM system.tables WHERE name = 'hourglass_migrations'");
    expect(rows).toEqual([{ n: 0 }]);
  });
});

describe('properties', () => {
  it('describes an embedded target without transactions', async () => {
    expect(driver.engine).toBe('clickhouse');
    expect(driver.database).toBe('default');
    expect(driver.transactional).toBe(false);
    expect(driver.display).toBe(`chdb:${dir}`);
    expect(driver.quoteIdentifier('events_2024')).toBe('`events_2024`');
    expect(() => driver.quoteIdentifier('a`; DROP')).toThrow(UsageError);
    await expect(driver.transaction(async () => 1)).rejects.toThrow(OperationError);
    expect(driver.splitStatements("SELECT ';'; SELECT 2;")).toEqual(["SELECT ';'", 'SELECT 2']);
  });
});

describe('query parameters', () => {
  it('rewrites only placeholders that name a param, outside quotes and comments', () => {
    const bound = bindParams("SELECT {a}, {b}, '{a}', {zz}, {'k': 1} -- {a}\n, `{a}`", { a: 1, b: 'x' });
    expect(bound.query).toBe("SELECT {a:Int64}, {b:String}, '{a}', {zz}, {'k': 1} -- {a}\n, `{a}`");
    expect(bound.query_params).toEqual({ a: 1, b: 'x' });
  });

  it('binds every value type; quotes and {x} in a value stay literal text', async () => {
    const tricky = `it's "quoted" {x} \\ back'); DROP TABLE t; --`;
    const when = at('2024-02-29T23:59:59.987Z');
    const [row] = await driver.query(
      `SELECT {s} AS s, '{x}' AS lit, '{s}' AS quoted_placeholder, {i} AS i, toTypeName({i}) AS ti, {f} AS f, toTypeName({f}) AS tf,
              {big} AS big, toTypeName({big}) AS tbig, {b} AS b, toTypeName({b}) AS tb, {nul} AS nul, toTypeName({nul}) AS tnul,
              toUnixTimestamp64Milli({d}) AS d_ms, toTypeName({d}) AS td`,
      { s: tricky, x: 'must not appear', i: -42, f: 1.5, big: 9007199254740993n, b: true, nul: null, d: when });
    expect(row).toEqual({
      s: tricky, lit: '{x}', quoted_placeholder: '{s}', i: -42, ti: 'Int64', f: 1.5, tf: 'Float64',
      big: 9007199254740992, tbig: 'Int64', b: true, tb: 'Bool', nul: null, tnul: 'Nullable(String)',
      d_ms: when.getTime(), td: "DateTime64(3, 'UTC')",
    });
  });

  it('exec binds parameters too, and the bound big integer is exact on the server', async () => {
    await driver.exec('CREATE TABLE params_t (s String, n Int64) ENGINE = MergeTree ORDER BY n');
    await driver.exec('INSERT INTO params_t SELECT {s}, {n}', { s: "o'brien", n: 9007199254740993n });
    const rows = await driver.query("SELECT s, toString(n) AS n FROM params_t WHERE s = {s}", { s: "o'brien" });
    expect(rows).toEqual([{ s: "o'brien", n: '9007199254740993' }]);
  });

  it('returns 64-bit counts and sums as numbers', async () => {
    const [row] = await driver.query('SELECT count() AS c, sum(number) AS s, toUInt64(4294967296) AS u FROM numbers(100000)');
    expect(row).toEqual({ c: 100000, s: 4999950000, u: 4294967296 });
    expect(typeof row!.c).toBe('number');
  });
});

describe('tracking rows', () => {
  it('returns the latest state of each version after several writes and after OPTIMIZE FINAL', async () => {
    await driver.ensureTrackingTable();
    await driver.ensureTrackingTable(); // idempotent
    await driver.writeTracking(trackingRow(2, { status: 'running' }));
    await driver.writeTracking(trackingRow(2, { status: 'running', statementsDone: 1 }));
    const applied = trackingRow(2, {
      status: 'applied', statementsDone: 3, finishedAt: at('2024-05-01T10:00:05.456Z'), durationMs: 5333,
      cutover: at('2024-05-01T10:00:00.000Z'),
    });
    await driver.writeTracking(applied);
    const failed = trackingRow(1, { status: 'failed', error: "Code: 62. Syntax error near 'x'", statementsDone: 2, runId: 'run-0' });
    await driver.writeTracking(trackingRow(1, { status: 'running', runId: 'run-0' }));
    await driver.writeTracking(failed);

    expect(await driver.readTracking()).toEqual([failed, applied]);

    await driver.exec('OPTIMIZE TABLE hourglass_migrations FINAL');
    const [stored] = await driver.query<{ n: number }>('SELECT count() AS n FROM hourglass_migrations');
    expect(stored!.n).toBe(2); // merges kept only the latest row per version…
    expect(await driver.readTracking()).toEqual([failed, applied]); // …and it is the one reads returned
  });

  it('a later write wins even when a stored row has a seq from a clock far ahead', async () => {
    const future = Date.now() * 1000 + 3_600_000_000_000; // an hour… times a thousand, ahead
    await driver.exec(
      `INSERT INTO hourglass_migrations (version, name, checksum, status, started_at, statements_done, run_id, seq)
       SELECT 3, 'm3', 'c', 'running', {started}, 0, 'other-host', {seq}`,
      { started: at('2024-05-01T11:00:00Z'), seq: BigInt(future) });
    const done = trackingRow(3, { status: 'applied', checksum: 'c', runId: 'this-host', finishedAt: at('2024-05-01T11:00:01Z'), durationMs: 1000 });
    await driver.writeTracking(done);
    const rows = await driver.readTracking();
    expect(rows.find((r) => r.version === 3)).toEqual(done);
  });
});

describe('migration lock', () => {
  it('takes a lease keyed by the data directory, exclusive until released', async () => {
    const lock = await driver.acquireMigrationLock('runner-a', 5_000);
    expect(leases.calls.at(-1)).toMatchObject({ key: `chdb:${realpathSync(dir)}`, owner: 'runner-a', timeoutMs: 5_000 });
    expect(leases.calls.at(-1)!.ttlMs).toBeGreaterThan(0);
    await expect(driver.acquireMigrationLock('runner-b', 50)).rejects.toThrow(LockBusyError);
    await lock.release();
    const again = await driver.acquireMigrationLock('runner-b', 50);
    await again.release();
  });

  it('without a lease store, explains that one is required', async () => {
    // Same directory in the same process is allowed by chdb: connections share the engine.
    const bare = await openClickHouse(clickHouseTarget(`chdb:${dir}`), {});
    try {
      await expect(bare.acquireMigrationLock('runner-a', 10)).rejects.toThrow(/lease store/);
      await expect(bare.acquireMigrationLock('runner-a', 10)).rejects.toBeInstanceOf(OperationError);
    } finally {
      await bare.close();
    }
    expect(await driver.query('SELECT 1 AS one')).toEqual([{ one: 1 }]); // ours still works
  });
});

describe('introspection basics', () => {
  it('answers existence, half-open window counts and sorting/partition keys', async () => {
    await driver.exec(`CREATE TABLE events (ts DateTime64(3, 'UTC'), service String, v UInt64)
      ENGINE = MergeTree PARTITION BY toYYYYMMDD(ts) ORDER BY (service, toStartOfHour(ts), ts)`);
    await driver.exec(`INSERT INTO events VALUES
      ('2024-05-01 00:59:59.999', 'a', 1), ('2024-05-01 01:00:00.000', 'a', 2),
      ('2024-05-01 01:30:00.000', 'b', 3), ('2024-05-01 02:00:00.000', 'b', 4)`);
    expect(await tableExists(driver, 'events')).toBe(true);
    expect(await tableExists(driver, 'default.events')).toBe(true);
    expect(await tableExists(driver, 'nope')).toBe(false);
    expect(await countRows(driver, 'events', 'ts', at('2024-05-01T01:00:00Z'), at('2024-05-01T02:00:00Z'))).toBe(2);
    expect(await countRows(driver, 'events', 'ts', at('2024-05-01T00:00:00Z'), at('2024-05-01T03:00:00Z'))).toBe(4);
    expect(await sortingKeyInfo(driver, 'events')).toEqual({
      sortingKey: ['service', 'toStartOfHour(ts)', 'ts'], partitionKey: 'toYYYYMMDD(ts)', engine: 'MergeTree',
    });
    expect(await sortingKeyInfo(driver, 'nope')).toBeNull();
    await expect(countRows(driver, 'events', 'ts; DROP', at('2024-05-01T01:00:00Z'), at('2024-05-01T02:00:00Z'))).rejects.toThrow(UsageError);
  });
});

describe('connections', () => {
  it('a second process opening the same directory gets one clear line', async () => {
    const child = `
      const { openClickHouse } = await import(${JSON.stringify(join(repoRoot, 'functions/engine/drivers/clickhouse/index.ts'))});
      const { parseTargetUrl } = await import(${JSON.stringify(join(repoRoot, 'functions/engine/target-url.ts'))});
      try {
        const d = await openClickHouse(parseTargetUrl(${JSON.stringify(`chdb:${dir}`)}), {});
        await d.close();
        console.log(JSON.stringify({ opened: true }));
      } catch (e) {
        console.log(JSON.stringify({ name: e.name, message: e.message }));
      }`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { cwd: repoRoot, env: scrubbedEnv(), timeout: 60_000 });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
      name: 'ConnectionError',
      message: `embedded ClickHouse data directory ${dir} is in use by another process (one process owns a chdb directory at a time)`,
    });
  });

  it('redacts the password when a server cannot be reached', async () => {
    const error = await openClickHouse(clickHouseTarget('clickhouse://user:secretpw@127.0.0.1:1/db'), {}).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    const message = (error as Error).message;
    expect(message).toContain('127.0.0.1:1');
    expect(message).not.toContain('secretpw');
    expect(String((error as Error).stack)).not.toContain('secretpw');
  });

  it('close is idempotent and the closed driver no longer runs queries', async () => {
    const other = await openClickHouse(clickHouseTarget(`chdb:${dir}`), {});
    await other.close();
    await other.close();
    await expect(other.query('SELECT 1')).rejects.toThrow();
  });
});
