// A password appears neither in a failed migration's tracking row (read raw from the target,
// both engines, after the CLI applied a migration whose failing statement and error carry it)
// nor in what the Lambda wrapper logs when a step fails with it in the message and stack.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { withDriver } from '../../functions/engine/open-target.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { lambdaHandler, logger } from '../../functions/handlers/observability.js';
import { cleanupTempDirs, cli, tempDir, writeMigrations } from '../backfill/support.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
  cleanupTempDirs();
});

describe('a failed migration records no password', () => {
  it('PostgreSQL: the connection password, bare and inside the URL, in the statement and in the error', async () => {
    const url = await server.createDatabase('mask_pg');
    const password = decodeURIComponent(new URL(url).password);
    expect(password.length).toBeGreaterThan(5);
    const root = tempDir('mask-pg');
    // The error is `invalid input syntax for type integer: "<password>"`; the statement's first line holds both.
    const migrations = writeMigrations(root, { '0001_leaky.up.sql': `SELECT '${password}'::int + length('${url}');\n` });
    const r = await cli({ url, migrations, state: join(root, 'state') }, ['apply']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('invalid input syntax');
    expect(r.stdout + r.stderr).not.toContain(password);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const rows = (await client.query<{ row: string; error: string; status: string }>('SELECT row_to_json(m)::text AS row, error, status FROM hourglass_migrations m')).rows;
      expect(rows.map((x) => x.status)).toEqual(['failed']);
      expect(rows[0]!.error).toMatch(/^at statement 1 \(SELECT '\*\*\*'::int .*\): invalid input syntax for type integer: "\*\*\*"/);
      expect(rows[0]!.row).not.toContain(password);
    } finally {
      await client.end();
    }
  });

  it('ClickHouse: a URL with credentials and a password=… setting in the statement and in the error', async () => {
    const secret = 'S3cret-Pa55word';
    const root = tempDir('mask-ch');
    const target = `chdb:${join(root, 'ch')}`;
    const migrations = writeMigrations(root, {
      '0001_leaky.up.sql': `SELECT throwIf(1, 'cannot reach http://reader:${secret}@db.internal:8123 (password=${secret})');\n`,
    });
    const r = await cli({ url: target, migrations, state: join(root, 'state') }, ['apply']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).not.toContain(secret);

    const rows = await withDriver(target, (d) => d.query<{ status: string; error: string | null }>('SELECT * FROM hourglass_migrations'));
    expect(rows.map((x) => x.status)).toContain('failed');
    expect(rows.find((x) => x.status === 'failed')?.error).toContain('http://reader:***@db.internal:8123');
    expect(JSON.stringify(rows)).not.toContain(secret);
  });
});

describe('the Lambda wrapper logs no password', () => {
  const lines: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    lines.length = 0;
  });

  it('a step failing with the target password in its message and stack', async () => {
    const password = 'Lambda-Pa55-word';
    parseTargetUrl(`postgres://hourglass:${password}@db.internal:5432/app`); // how the resolver learns it
    const capture = (chunk: unknown) => (lines.push(String(chunk)), true);
    vi.spyOn(process.stdout, 'write').mockImplementation(capture as never);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture as never);
    const failure = new Error(`password authentication failed for user "hourglass" (password "${password}") at postgres://hourglass:${password}@db.internal:5432/app`);
    failure.stack = `${failure.message}\n    at connect (${password})`;
    const handler = lambdaHandler('apply', async () => {
      throw failure;
    });
    const context = { functionName: 'hourglass-apply', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:hourglass-apply', memoryLimitInMB: '512', functionVersion: '$LATEST', getRemainingTimeInMillis: () => 60_000 } as never;
    const thrown = await handler({}, context).catch((e: unknown) => e as Error);
    vi.restoreAllMocks();

    expect(thrown.message).not.toContain(password);
    const json = lines.join('').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = json.find((l) => l.message === 'apply failed');
    expect(failed, lines.join('')).toMatchObject({ level: 'ERROR', step: 'apply', errorName: 'Error' });
    expect(String(failed?.error)).toContain('password authentication failed');
    expect(JSON.stringify(json)).not.toContain(password);
    logger.removeKeys(['step']);
  });
});
