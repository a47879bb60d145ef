// `hourglass verify` as an operator runs it (the bundled CLI in a child process): exit
// codes, --json shape, --repair-sql on stdout, --write as the next migration that `apply`
// then runs, refusing to write when nothing can be written, and --run-id window checks.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDriver } from '../../functions/engine/open-target.js';
import { openStateStore } from '../../functions/cli/state.js';
import { splitSqlStatements } from '../../functions/engine/sql-split.js';
import { scrubbedEnv } from '../support/env.js';
import { SEED_002_MIGRATIONS, buildSeed002, insertGauges } from './seed-002.js';

let dir: string;

interface Run { code: number; stdout: string; stderr: string }

function hourglass(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [resolve('bin/hourglass.mjs'), '--state', join(dir, 'state'), ...args], { env: scrubbedEnv(), maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let seeded = 0;
/** A fresh copy of the seed-002 database (built here, then closed: the CLI process opens the directory itself). */
async function seedDatabase(): Promise<string> {
  const url = `chdb:${join(dir, `seed-${++seeded}`)}`;
  await withDriver(url, async (driver) => {
    await buildSeed002(driver);
    await insertGauges(driver, new Date());
  });
  return url;
}

/** A migrations folder of its own (a test that writes into it leaves the others' untouched). */
function ownMigrations(from: string, name: string): string {
  const copy = join(dir, name);
  cpSync(from, copy, { recursive: true });
  return copy;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-verify-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('hourglass verify', () => {
  it('--json: exit 1 on drift, {clean, differences[{kind, object, expected, actual, severity}]}', async () => {
    const run = await hourglass('--url', await seedDatabase(), '--migrations', SEED_002_MIGRATIONS, '--json', 'verify');
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as { clean: boolean; differences: Record<string, unknown>[]; data: { ok: boolean } };
    expect(out.clean).toBe(false);
    for (const d of out.differences) expect(Object.keys(d).sort()).toEqual(['actual', 'expected', 'kind', 'object', 'severity']);
    expect(out.differences).toContainEqual({
      kind: 'mv_column_missing_in_target', object: 'mv_populate_node_metrics.network_receive_bytes_per_sec', severity: 'error',
      expected: 'NodeMetrics.network_receive_bytes_per_sec Float64', actual: 'NodeMetrics has no column network_receive_bytes_per_sec',
    });
    expect(out.data.ok).toBe(true);
  });

  it('--repair-sql: the script alone on stdout, the report on stderr', async () => {
    const run = await hourglass('--url', await seedDatabase(), '--migrations', SEED_002_MIGRATIONS, 'verify', '--repair-sql');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^-- Repair of schema drift/);
    expect(run.stdout).toContain('ALTER TABLE NodeMetrics ADD COLUMN IF NOT EXISTS network_transmit_bytes_per_sec Float64 DEFAULT 0');
    expect(run.stdout).toMatch(/^-- REBUILD NodeMetrics: cannot be changed in place \(engine MergeTree → ReplacingMergeTree\)/m);
    expect(run.stderr).toMatch(/error\s+missing_column\s+NodeMetrics\.network_receive_bytes_per_sec/);
  });

  it('--write saves the next migration; once it has run, what is left needs rebuilds and --write refuses', async () => {
    const url = await seedDatabase();
    const migrations = ownMigrations(SEED_002_MIGRATIONS, 'write-migrations');
    const sql = await hourglass('--url', url, '--migrations', migrations, 'verify', '--repair-sql');
    const write = await hourglass('--url', url, '--migrations', migrations, 'verify', '--write');
    expect(write.code).toBe(1);
    const file = join(migrations, '0004_repair_schema_drift.up.sql');
    expect(write.stderr).toContain(`wrote ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(sql.stdout);
    // This database was built by hand (no tracking table), so the operator runs the file by hand.
    expect(write.stderr).toMatch(/warning: no migrations are recorded on the target/);
    await withDriver(url, async (driver) => {
      for (const statement of splitSqlStatements(readFileSync(file, 'utf8'), 'clickhouse')) await driver.exec(statement);
    });
    rmSync(file);

    const after = await hourglass('--url', url, '--migrations', migrations, '--json', 'verify');
    expect(after.code).toBe(1);
    const kinds = new Set((JSON.parse(after.stdout) as { differences: { kind: string }[] }).differences.map((d) => d.kind));
    expect([...kinds].sort()).toEqual(['engine', 'index_name', 'missing_index', 'sorting_key']);

    const refuse = await hourglass('--url', url, '--migrations', migrations, 'verify', '--write');
    expect(refuse.code).toBe(1);
    expect(refuse.stderr).toContain('nothing to write: what differs needs a rebuild');
    expect(readdirSync(migrations).filter((f) => f.includes('repair'))).toEqual([]);
  });

  it('on a tracked database, --write then apply brings it back to clean', async () => {
    const url = `chdb:${join(dir, 'tracked')}`;
    const own = ownMigrations(resolve('migrations/clickhouse'), 'tracked-migrations');
    expect((await hourglass('--url', url, '--migrations', own, 'apply')).code).toBe(0);
    await withDriver(url, async (driver) => {
      await driver.exec('ALTER TABLE traces MODIFY COLUMN Duration Int32');
      await driver.exec('ALTER TABLE otel_traces DROP INDEX idx_trace_id');
    });
    const write = await hourglass('--url', url, '--migrations', own, 'verify', '--write');
    expect(write.code).toBe(1);
    expect(write.stdout).toMatch(/error\s+column_type\s+traces\.Duration/);
    expect(write.stderr).toContain(`wrote ${join(own, '0006_repair_schema_drift.up.sql')}`);
    const apply = await hourglass('--url', url, '--migrations', own, 'apply');
    expect(apply.stdout).toContain('applied 1 migration(s); database is at version 6');
    const clean = await hourglass('--url', url, '--migrations', own, 'verify');
    expect(clean.stdout).toContain('schema matches the migrations');
    expect(clean.code).toBe(0);
  });

  it('exit 0 on a clean database', async () => {
    const url = `chdb:${join(dir, 'demo')}`;
    expect((await hourglass('--url', url, '--migrations', resolve('migrations/clickhouse'), 'apply')).code).toBe(0);
    const run = await hourglass('--url', url, '--migrations', resolve('migrations/clickhouse'), 'verify');
    expect(run.stdout).toContain('schema matches the migrations; data checks passed');
    expect(run.code).toBe(0);
  });

  it('--run-id lists windows whose counts disagree; an unknown run is a usage error', async () => {
    const state = await openStateStore(join(dir, 'state'));
    try {
      const hour = 3_600_000;
      const start = new Date('2024-01-01T00:00:00Z').getTime();
      await state.runs.createRun({
        runId: 'bf-1', migrationVersion: 3, migrationName: 'x', target: 'chdb:x', engine: 'clickhouse', rangeStart: new Date(start),
        rangeEnd: new Date(start + 3 * hour), windowSize: '1h', windowCount: 3, batchSize: 3, concurrency: 1, strategy: 'delete',
      });
      await state.runs.putWindows('bf-1', [0, 1, 2].map((i) => ({ start: new Date(start + i * hour), end: new Date(start + (i + 1) * hour), batch: 0 })));
      for (const [i, rows] of [[0, 10], [1, 7], [2, 5]] as const) {
        await state.runs.claimWindow('bf-1', new Date(start + i * hour), 'test', { leaseMs: 60_000, allow: ['pending'] });
        await state.runs.completeWindow('bf-1', new Date(start + i * hour), 'test', { rows, sourceRows: i === 1 ? 9 : rows, durationMs: 1 });
      }
    } finally {
      await state.close();
    }
    const url = `chdb:${join(dir, 'runs')}`;
    expect((await hourglass('--url', url, '--migrations', resolve('migrations/clickhouse'), 'apply')).code).toBe(0);
    const run = await hourglass('--url', url, '--migrations', resolve('migrations/clickhouse'), 'verify', '--run-id', 'bf-1');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('run bf-1 (planned): 3 window(s) with a source count checked, 1 mismatched, 0 not succeeded');
    expect(run.stdout).toContain('mismatch 2024-01-01T01:00:00.000Z … 2024-01-01T02:00:00.000Z: 7 rows written, 9 in the source');

    const unknown = await hourglass('--url', url, '--migrations', resolve('migrations/clickhouse'), 'verify', '--run-id', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('run nope does not exist');
    expect(existsSync(join(dir, 'runs'))).toBe(true);
  });
});
