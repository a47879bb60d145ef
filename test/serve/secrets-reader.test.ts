// The Lambda's secrets path for real: Powertools' SecretsProvider (the real AWS SDK inside)
// against the local Secrets Manager endpoint, the target resolver on top, and connections
// to an embedded PostgreSQL with what the secret says — including a rotated password that
// the cached secret no longer has.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, UsageError } from '../../functions/engine/errors.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { redact } from '../../functions/engine/redact.js';
import { applyStep } from '../../functions/engine/service/steps.js';
import type { StepEnvironment } from '../../functions/engine/service/types.js';
import { powertoolsSecretReader } from '../../functions/handlers/secret-reader.js';
import { parseTargetsConfig } from '../../functions/handlers/target-config.js';
import { createTargetResolver } from '../../functions/handlers/target-resolver.js';
import { startSecretsManagerEndpoint, type SecretsManagerEndpoint } from '../../functions/local/secrets-manager-endpoint.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { cleanupTempDirs, tempDir } from '../backfill/support.js';

const FIRST_PASSWORD = 'Fir$t pw:/@%"q\'-9';
const ROTATED_PASSWORD = 'R0tated pw:/@%"q\'-7';

let sm: SecretsManagerEndpoint;
let server: TestPostgres;
let admin: pg.Client;
let host: string;
let port: number;
let migrationsRoot: string;

beforeAll(async () => {
  sm = await startSecretsManagerEndpoint({ region: 'eu-west-1' });
  server = await startTestPostgres();
  const url = new URL(await server.createDatabase('secrets_app'));
  [host, port] = [url.hostname, Number(url.port)];
  admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query('DROP ROLE IF EXISTS app_user');
  await admin.query(`CREATE ROLE app_user LOGIN PASSWORD '${FIRST_PASSWORD.replace(/'/g, "''")}'`);
  await admin.query('ALTER DATABASE secrets_app OWNER TO app_user');
  await admin.query('GRANT ALL ON SCHEMA public TO app_user');
  migrationsRoot = tempDir('secrets-migrations');
  mkdirSync(join(migrationsRoot, 'postgres'));
  writeFileSync(join(migrationsRoot, 'postgres', '0001_events.up.sql'), 'CREATE TABLE events (id bigint PRIMARY KEY);\n');
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
  await sm?.close();
  cleanupTempDirs();
});

const rdsShape = (password: string, extra: Record<string, unknown> = {}) => JSON.stringify({
  engine: 'postgres', host, port, username: 'app_user', password, dbname: 'secrets_app', sslmode: 'disable', ...extra,
});

/** A resolver for one target whose secret holds `value`, reading through a fresh SecretsProvider (its own cache). */
async function resolverFor(value: string, engine: 'postgres' | 'clickhouse' = 'postgres', existingArn?: string) {
  const secretArn = existingArn ?? await sm.createSecret(`hourglass/test-${Math.random().toString(36).slice(2, 10)}`, value);
  const provider = new SecretsProvider({ clientConfig: { endpoint: sm.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' }, maxAttempts: 1 } });
  const targets = parseTargetsConfig({ app: { engine, secretArn } }, 'test targets');
  return { secretArn, resolve: createTargetResolver({ targets, secrets: powertoolsSecretReader(provider), migrationsRoot }) };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => null, (e: unknown) => e);
  if (!(error instanceof Error)) throw new Error('expected a failure');
  return error;
}

describe('target secrets read through Powertools from a Secrets Manager endpoint', () => {
  it('the RDS shape becomes an encoded URL that connects, and its password is masked from then on', async () => {
    const { resolve } = await resolverFor(rdsShape(FIRST_PASSWORD));
    const resolved = await resolve('app');
    expect(resolved.migrationsDir).toBe(join(migrationsRoot, 'postgres'));
    expect(resolved.url).toBe(`postgres://app_user:${encodeURIComponent(FIRST_PASSWORD)}@${host}:${port}/secrets_app?sslmode=disable`);
    expect(await withDriver(resolved.url, (driver) => driver.query('SELECT current_user AS who, current_database() AS db'))).toEqual([{ who: 'app_user', db: 'secrets_app' }]);
    expect(redact(`server said ${FIRST_PASSWORD} and ${encodeURIComponent(FIRST_PASSWORD)}`)).toBe('server said *** and ***');
  });

  it('RDS shapes default to sslmode=require for PostgreSQL and TLS for ClickHouse', async () => {
    const pgDefault = await resolverFor(JSON.stringify({ engine: 'aurora-postgresql', host: 'db.cluster-x.eu-west-1.rds.amazonaws.com', port: 5432, username: 'u', password: 'Pw-aurora-1', dbname: 'app' }));
    expect((await pgDefault.resolve('app')).url).toBe('postgres://u:Pw-aurora-1@db.cluster-x.eu-west-1.rds.amazonaws.com:5432/app?sslmode=require');
    const ch = await resolverFor(JSON.stringify({ engine: 'clickhouse', host: 'ch.example.com', username: 'svc', password: 'p w&x', dbname: 'otel' }), 'clickhouse');
    expect((await ch.resolve('app')).url).toBe('clickhouses://svc:p%20w%26x@ch.example.com:8443/otel');
    const plain = await resolverFor(JSON.stringify({ engine: 'clickhouse', host: '10.0.0.5', port: '8123', username: 'svc', password: 'pw-plain-1', ssl: false }), 'clickhouse');
    expect((await plain.resolve('app')).url).toBe('clickhouse://svc:pw-plain-1@10.0.0.5:8123/default');
  });

  it('the {"url"} shape is used as it is and connects', async () => {
    const url = `postgres://app_user:${encodeURIComponent(FIRST_PASSWORD)}@${host}:${port}/secrets_app`;
    const { resolve } = await resolverFor(JSON.stringify({ url }));
    const resolved = await resolve('app');
    expect(resolved.url).toBe(url);
    expect(await withDriver(resolved.url, (driver) => driver.query('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
  });

  it('a missing secret is a one-line error naming the secret ARN and the AWS error, nothing else', async () => {
    const missing = 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:hourglass/never-made-AbCdEf';
    const { resolve } = await resolverFor('', 'postgres', missing);
    const error = await failure(resolve('app'));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(`cannot read secret ${missing}: ResourceNotFoundException`);
  });

  it('a secret that is not JSON, or JSON of no known shape, is refused without echoing its text', async () => {
    const cases: Array<[string, RegExp]> = [
      [`postgres://app_user:${FIRST_PASSWORD}@db/app`, /is not JSON: store \{"url": "…"\} or the RDS shape/],
      [`{"password": "Leaky-pw-77", "host": "db"`, /is not JSON/],
      [JSON.stringify({ password: 'Leaky-pw-78' }), /has neither "url" nor the RDS fields/],
      [JSON.stringify({ engine: 'postgres', host: 'db/../x', username: 'u', password: 'Leaky-pw-79' }), /has an invalid "host"/],
      [JSON.stringify({ engine: 'postgres', host: 'db', port: 70000, username: 'u', password: 'Leaky-pw-80' }), /has an invalid "port"/],
    ];
    for (const [text, message] of cases) {
      const { resolve, secretArn } = await resolverFor(text);
      const error = await failure(resolve('app'));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toMatch(new RegExp(`^secret ${secretArn.replace(/[/.]/g, '\\$&')} of target "app" `));
      expect(error.message).toMatch(message);
      for (const secretPart of [FIRST_PASSWORD, 'Leaky-pw', text.slice(0, 12)]) expect(error.message).not.toContain(secretPart);
    }
  });

  it('a wrong engine is named, in the secret and against the target configuration', async () => {
    const mysql = await resolverFor(JSON.stringify({ engine: 'mysql', host: 'db', port: 3306, username: 'u', password: 'Pw-mysql-1' }));
    expect((await failure(mysql.resolve('app'))).message).toBe(`secret ${mysql.secretArn} of target "app" has engine "mysql", which hourglass does not run: expected postgres, postgresql, aurora-postgresql or clickhouse`);
    const mismatch = await resolverFor(rdsShape(FIRST_PASSWORD), 'clickhouse');
    expect((await failure(mismatch.resolve('app'))).message).toBe(`secret ${mismatch.secretArn} of target "app" holds a postgres URL but the target is configured as clickhouse`);
  });

  it('caches for maxAge, and forceFetch reads past the cache', async () => {
    const { resolve } = await resolverFor(rdsShape(FIRST_PASSWORD));
    const before = sm.calls.GetSecretValue ?? 0;
    await resolve('app');
    await resolve('app');
    expect((sm.calls.GetSecretValue ?? 0) - before).toBe(1);
    await resolve('app', { forceFetch: true });
    expect((sm.calls.GetSecretValue ?? 0) - before).toBe(2);
  });

  it('after a rotation, the refused cached password makes the step read the secret again and open once more', async () => {
    const { resolve, secretArn } = await resolverFor(rdsShape(FIRST_PASSWORD));
    await resolve('app'); // cached: the first password
    await admin.query(`ALTER ROLE app_user PASSWORD '${ROTATED_PASSWORD.replace(/'/g, "''")}'`);
    await sm.putSecretValue(secretArn, rdsShape(ROTATED_PASSWORD));
    const stale = await failure(withDriver((await resolve('app')).url, async () => undefined));
    expect(stale).toBeInstanceOf(ConnectionError); // the cached secret really is refused now
    expect((stale.cause as { code?: string }).code).toBe('28P01');

    const reads = sm.calls.GetSecretValue ?? 0;
    const env = { resolveTarget: resolve, workerId: 'secrets-test' } as unknown as StepEnvironment;
    const applied = await applyStep(env, { action: 'apply', target: 'app' });
    expect(applied).toMatchObject({ applied: [{ version: 1, name: 'events' }], databaseVersion: 1 });
    expect((sm.calls.GetSecretValue ?? 0) - reads).toBe(1); // exactly one forced read
    expect(stale.message).not.toContain(FIRST_PASSWORD);
    await admin.query(`ALTER ROLE app_user PASSWORD '${FIRST_PASSWORD.replace(/'/g, "''")}'`);
  });
});
