// The ClickHouse HTTP endpoint over embedded ClickHouse, two ways: raw HTTP, to hold it to
// what a ClickHouse server answers (status codes, exception bodies and headers, auth,
// per-request settings), and the clickhouse:// driver through it (bound parameters, errors,
// the migration lease, a backfill run by the CLI over the network).
import { gzipSync } from 'node:zlib';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { openClickHouse } from '../../functions/engine/drivers/clickhouse/index.js';
import { startChdbHttp, type ChdbHttpServer } from '../../functions/engine/embedded/chdb-http.js';
import { LockBusyError } from '../../functions/engine/errors.js';
import { DynamoLeaseProvider } from '../../functions/engine/state/leases.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { startDynamoFixture, type DynamoFixture } from '../state/dynamo-fixture.js';
import { migrationFiles, derivedHourlyWindows, type FixtureOptions } from '../backfill/fixture-migrations.js';
import { cleanupTempDirs, cliJson, facts, runsOf, tempDir, writeMigrations, type Workspace } from '../backfill/support.js';
import { join } from 'node:path';

const PASSWORD = 'Serve-pw "q" :@/';
let server: ChdbHttpServer;
let driver: Driver & { readonly client: ClickHouseClient };
let dynamo: DynamoFixture;
let base: string;
let databaseSeq = 0;

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTH = { Authorization: basic('default', PASSWORD) };

beforeAll(async () => {
  server = await startChdbHttp(join(tempDir('chdb-http'), 'chdb'), { password: PASSWORD });
  base = `http://127.0.0.1:${server.port}`;
  dynamo = await startDynamoFixture();
  const leases = new DynamoLeaseProvider(dynamo.doc, await dynamo.freshTable(), { pollMs: 20 });
  driver = await openClickHouse(parseTargetUrl(server.url) as never, { leases }) as typeof driver;
});

afterAll(async () => {
  await driver?.close();
  await dynamo?.close();
  await server?.close();
  cleanupTempDirs();
});

async function post(sql: string, params: Record<string, string> = {}, headers: Record<string, string> = AUTH, method = 'POST'): Promise<{ status: number; body: string; headers: Headers }> {
  const url = `${base}/?${new URLSearchParams(params)}`;
  const response = await fetch(url, { method, headers, ...(method === 'POST' ? { body: sql } : {}) });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

async function freshDatabase(): Promise<string> {
  const name = `db_${++databaseSeq}_${process.pid}`;
  await driver.exec(`CREATE DATABASE ${name}`);
  return name;
}

describe('what a ClickHouse server answers', () => {
  it('health checks: GET /ping and GET / say Ok. without credentials; another path is 404', async () => {
    expect(await fetch(`${base}/ping`).then(async (r) => [r.status, await r.text()])).toEqual([200, 'Ok.\n']);
    expect(await fetch(`${base}/`).then(async (r) => [r.status, await r.text()])).toEqual([200, 'Ok.\n']);
    expect((await fetch(`${base}/play`)).status).toBe(404);
  });

  it('refuses missing, wrong and mixed credentials with 516 AUTHENTICATION_FAILED; accepts all three ways of giving the right ones', async () => {
    const refused = [
      await post('SELECT 1', {}, {}),
      await post('SELECT 1', {}, { Authorization: basic('default', 'wrong') }),
      await post('SELECT 1', {}, { Authorization: basic('admin', PASSWORD) }),
      await post('SELECT 1', {}, { ...AUTH, 'X-ClickHouse-User': 'default', 'X-ClickHouse-Key': PASSWORD }),
    ];
    for (const r of refused) {
      expect(r.status).toBe(403); // exceptionCodeToHTTPStatus.cpp: AUTHENTICATION_FAILED → HTTP_FORBIDDEN
      expect(r.headers.get('x-clickhouse-exception-code')).toBe('516');
      expect(r.body).toMatch(/^Code: 516\. DB::Exception: .*\(AUTHENTICATION_FAILED\) \(version [^)]+\)\n$/);
      expect(r.body).not.toContain(PASSWORD);
    }
    expect((await post('SELECT 1', {}, { 'X-ClickHouse-User': 'default', 'X-ClickHouse-Key': PASSWORD })).body).toBe('1\n');
    expect((await post('SELECT 1', { user: 'default', password: PASSWORD }, {})).body).toBe('1\n');
    expect((await post('SELECT 1')).body).toBe('1\n');
  });

  it('maps exceptions to the server\'s HTTP statuses, with the code header and a parseable body', async () => {
    const syntax = await post('SELEC 1');
    expect([syntax.status, syntax.headers.get('x-clickhouse-exception-code')]).toEqual([400, '62']);
    expect(syntax.body).toMatch(/^Code: 62\. DB::Exception: Syntax error.*\(SYNTAX_ERROR\)/);
    const unknown = await post('SELECT * FROM no_such_table');
    expect([unknown.status, unknown.headers.get('x-clickhouse-exception-code')]).toEqual([404, '60']);
    const thrown = await post("SELECT throwIf(1, 'boom')");
    expect([thrown.status, thrown.headers.get('x-clickhouse-exception-code')]).toEqual([500, '395']);
  });

  it('runs one statement per request and nothing of a multi-statement body; GET is read-only', async () => {
    const db = await freshDatabase();
    const multi = await post('CREATE TABLE a (x UInt8) ENGINE = Memory; CREATE TABLE b (x UInt8) ENGINE = Memory', { database: db });
    expect([multi.status, multi.headers.get('x-clickhouse-exception-code')]).toEqual([400, '62']);
    const viaGet = await post('', { database: db, query: 'CREATE TABLE c (x UInt8) ENGINE = Memory' }, AUTH, 'GET');
    expect([viaGet.status, viaGet.headers.get('x-clickhouse-exception-code')]).toEqual([500, '164']);
    expect((await post('', { database: db, query: 'SELECT 2' }, AUTH, 'GET')).body).toBe('2\n');
    expect(await driver.query('SELECT name FROM system.tables WHERE database = {db}', { db })).toEqual([]);
  });

  it('settings and database of a request are that request\'s alone', async () => {
    const db = await freshDatabase();
    const first = await post("SELECT getSetting('max_threads') AS t, currentDatabase() AS d FORMAT JSONEachRow", { max_threads: '3', database: db });
    expect(JSON.parse(first.body)).toEqual({ t: 3, d: db });
    const second = JSON.parse((await post("SELECT getSetting('max_threads') AS t, currentDatabase() AS d FORMAT JSONEachRow")).body);
    expect(second.d).toBe('default');
    expect(second.t).not.toBe(3);
  });

  it('echoes query_id, reports a summary, honours default_format, and takes an INSERT\'s rows (gzipped) after the URL query', async () => {
    const db = await freshDatabase();
    await post('CREATE TABLE t (id UInt32, s String) ENGINE = MergeTree ORDER BY id', { database: db });
    const insert = await fetch(`${base}/?${new URLSearchParams({ database: db, query: 'INSERT INTO t FORMAT JSONEachRow', query_id: 'insert-1' })}`, {
      method: 'POST', headers: { ...AUTH, 'Content-Encoding': 'gzip' }, body: gzipSync('{"id":1,"s":"a"}\n{"id":2,"s":"b\'c"}\n'),
    });
    expect(insert.status).toBe(200);
    expect(insert.headers.get('x-clickhouse-query-id')).toBe('insert-1');
    const read = await post('SELECT id, s FROM t ORDER BY id', { database: db, default_format: 'JSONEachRow', query_id: 'read-1' });
    expect(read.headers.get('content-type')).toBe('application/x-ndjson; charset=UTF-8');
    expect(read.headers.get('x-clickhouse-query-id')).toBe('read-1');
    expect(read.body.trim().split('\n').map((line) => JSON.parse(line))).toEqual([{ id: 1, s: 'a' }, { id: 2, s: "b'c" }]);
    expect(JSON.parse(read.headers.get('x-clickhouse-summary')!)).toMatchObject({ read_rows: '2', result_rows: '2' });
    expect((await post('SELECT 1')).headers.get('x-clickhouse-query-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads param_ values the way the server does (escaped text, \\N for NULL)', async () => {
    const r = await post('SELECT {s:String} AS s, {n:Nullable(String)} AS n, {i:Int64} AS i FORMAT JSONEachRow', { param_s: "it\\'s\\ta\\\\b", param_n: '\\N', param_i: '-7' });
    expect(JSON.parse(r.body)).toEqual({ s: "it's\ta\\b", n: null, i: -7 });
  });
});

describe('the clickhouse:// driver through the endpoint', () => {
  it('binds Date, strings with quotes and numbers as a server would', async () => {
    const tricky = `it's "quoted" {x} \\ back'); DROP TABLE t; --`;
    const when = new Date('2024-02-29T23:59:59.987Z');
    const [row] = await driver.query(
      `SELECT {s} AS s, '{x}' AS lit, {i} AS i, {f} AS f, {big} AS big, {b} AS b, {nul} AS nul,
              toUnixTimestamp64Milli({d}) AS d_ms, toTypeName({d}) AS td`,
      { s: tricky, x: 'must not appear', i: -42, f: 1.5, big: 9007199254740993n, b: true, nul: null, d: when });
    expect(row).toEqual({ s: tricky, lit: '{x}', i: -42, f: 1.5, big: 9007199254740992, b: true, nul: null, d_ms: when.getTime(), td: "DateTime64(3, 'UTC')" });
    const db = await freshDatabase();
    await driver.exec(`CREATE TABLE ${db}.p (s String, n Int64, d DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY n`);
    await driver.exec(`INSERT INTO ${db}.p SELECT {s}, {n}, {d}`, { s: "o'brien", n: 9007199254740993n, d: when });
    expect(await driver.query(`SELECT s, toString(n) AS n FROM ${db}.p WHERE s = {s} AND d = {d}`, { s: "o'brien", d: when })).toEqual([{ s: "o'brien", n: '9007199254740993' }]);
  });

  it('a failing statement rejects with the server\'s code and a one-line message', async () => {
    const error = await driver.exec('INSERT INTO no_such_db.t VALUES (1)').then(() => null, (e: unknown) => e as { code?: string; type?: string; message: string });
    expect(error).toMatchObject({ code: '81', type: 'UNKNOWN_DATABASE' });
    expect(error!.message).toMatch(/no_such_db/);
    expect(error!.message).not.toContain('\n');
  });

  it('the migration lease is keyed by the server URL and database, exclusive until released', async () => {
    expect((driver as unknown as { lockKey: string }).lockKey).toBe(`clickhouse:http://127.0.0.1:${server.port}/default`);
    const lock = await driver.acquireMigrationLock('runner-a', 5_000);
    await expect(driver.acquireMigrationLock('runner-b', 100)).rejects.toBeInstanceOf(LockBusyError);
    await lock.release();
    await (await driver.acquireMigrationLock('runner-b', 100)).release();
  });

  it.each<FixtureOptions['strategy']>(['delete', 'replace-partition'])('the CLI applies and backfills over HTTP with the %s strategy: every row exactly once', async (strategy) => {
    const db = await freshDatabase();
    const root = tempDir('http-bf');
    const options: FixtureOptions = { rows: 240, stepMs: 360_000, strategy, ...(strategy === 'replace-partition' ? { targetPartition: 'toStartOfHour(ts)', to: 'SELECT toStartOfHour(max(ts)) + toIntervalHour(1) FROM src' } : {}) };
    const ws: Workspace = { url: server.url.replace(/\/default$/, `/${db}`), migrations: writeMigrations(root, migrationFiles('clickhouse', options)), state: join(root, 'state') };
    const applied = await cliJson(ws, ['apply']);
    expect(applied.code, applied.stderr).toBe(0);
    const status = await cliJson<{ databaseVersion: number; migrations: Array<{ state: string }> }>(ws, ['status']);
    expect(status.json.databaseVersion).toBe(2);
    expect(status.json.migrations.map((m) => m.state)).toEqual(['applied', 'applied']);
    const backfill = await cliJson(ws, ['backfill', '2']);
    const windows = derivedHourlyWindows(options);
    expect(backfill.json, backfill.stderr).toMatchObject({ status: 'succeeded', windows: { total: windows, succeeded: windows, failed: 0 }, rows: 240 });
    expect(await facts(ws.url, 'dst')).toEqual(await facts(ws.url, 'src'));
    expect((await runsOf(ws)).map((r) => r.status)).toEqual(['succeeded']);
    const [tracking] = await driver.query<{ n: number }>(`SELECT count(DISTINCT version) AS n FROM ${db}.hourglass_migrations WHERE status = 'applied'`);
    expect(tracking!.n).toBe(2);
    expect(applied.stderr + backfill.stderr).not.toContain(PASSWORD);
  });
});
