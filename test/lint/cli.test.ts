// `hourglass lint` and the apply gate as an operator meets them: the bundled CLI in a child
// process, on embedded ClickHouse. A budeval-style set with an MV POPULATE is refused before
// any statement runs; the shipped demo migrations lint clean.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourglass } from '../corpus/cli.js';
import { withDriver } from '../../functions/engine/open-target.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-lint-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function folder(name: string, files: Record<string, string>): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(path, file), text);
  return path;
}

// budeval: evaluation results and a trends view created with POPULATE.
const BUDEVAL = {
  '0001_evaluation_results.up.sql': 'CREATE TABLE IF NOT EXISTS evaluation_results (model_id String, evaluated_at DateTime, score Float64) ENGINE = MergeTree ORDER BY (model_id, evaluated_at);\n',
  '0002_model_performance_trends.up.sql': [
    '-- daily trends per model',
    'CREATE MATERIALIZED VIEW IF NOT EXISTS model_performance_trends',
    'ENGINE = SummingMergeTree ORDER BY (model_id, day)',
    'POPULATE AS',
    'SELECT model_id, toDate(evaluated_at) AS day, count() AS runs, sum(score) AS score_sum',
    'FROM evaluation_results GROUP BY model_id, day;',
    '',
  ].join('\n'),
};

const KEYS = ['rule', 'severity', 'version', 'file', 'line', 'statement', 'message', 'fix'];

describe('hourglass lint', () => {
  it('the shipped demo migrations lint clean on both engines (0005 carries a reasoned allow)', async () => {
    for (const [url, migrations] of [['chdb:' + join(dir, 'unused'), 'migrations/clickhouse'], ['postgres://u:secret@127.0.0.1:1/db', 'migrations/postgres']]) {
      const run = await hourglass(['--url', url, '--migrations', resolve(migrations), '--json', 'lint', '--all']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ findings: [] });
    }
  });

  it('--json: exactly the contract keys; exit 1 on an error-level finding', async () => {
    const migrations = folder('budeval-json', BUDEVAL);
    const run = await hourglass(['--url', `chdb:${join(dir, 'never-opened')}`, '--migrations', migrations, '--json', 'lint', '--all']);
    expect(run.code).toBe(1);
    const { findings } = JSON.parse(run.stdout) as { findings: Record<string, unknown>[] };
    expect(Object.keys(JSON.parse(run.stdout))).toEqual(['findings']);
    expect(findings.map((f) => Object.keys(f))).toEqual([KEYS]);
    expect(findings[0]).toMatchObject({
      rule: 'mv-populate', severity: 'error', version: 2, file: '0002_model_performance_trends.up.sql', line: 2,
      statement: 'CREATE MATERIALIZED VIEW IF NOT EXISTS model_performance_trends',
    });
    expect(findings[0].fix).toMatch(/no POPULATE/);
  });

  it('human output: file:line rule (severity): message, then the fix; warnings alone exit 0', async () => {
    const migrations = folder('warn', { '0001_t.up.sql': 'CREATE TABLE t (k String) ENGINE = MergeTree ORDER BY k;\nCREATE TABLE u (k String) ENGINE = MergeTree ORDER BY k;\n' });
    const run = await hourglass(['--url', `chdb:${join(dir, 'never-opened')}`, '--migrations', migrations, 'lint', '1']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('0001_t.up.sql:1 non-idempotent-ddl (warning): CREATE TABLE without IF NOT EXISTS fails when a resumed migration runs it again');
    expect(lines[1]).toBe('  fix: CREATE TABLE IF NOT EXISTS …');
    expect(lines[lines.length - 1]).toBe('0 error(s), 2 warning(s) in migration(s) 1');
  });

  it('an allow needs a reason: without one it is an error of its own and exempts nothing', async () => {
    const migrations = folder('allow', { '0001_t.up.sql': 'CREATE TABLE IF NOT EXISTS t (k String) ENGINE = MergeTree ORDER BY k;\n-- hourglass:allow drop-table\nDROP TABLE t;\n' });
    const run = await hourglass(['--url', `chdb:${join(dir, 'never-opened')}`, '--migrations', migrations, '--json', 'lint', '--all']);
    expect(run.code).toBe(1);
    const rules = (JSON.parse(run.stdout) as { findings: { rule: string; severity: string; line: number }[] }).findings.map((f) => [f.rule, f.severity, f.line]);
    expect(rules).toEqual([['invalid-allow', 'error', 2], ['drop-table', 'warning', 3]]);
  });

  it('bad input exits 2; an unreachable target is one line, exit 1', async () => {
    const base = ['--url', 'postgres://u:secret@127.0.0.1:1/db', '--migrations', resolve('migrations/postgres')];
    for (const args of [['lint', 'abc'], ['lint', '--all', '1'], ['lint', '42'], ['lint', '--bogus']]) {
      const run = await hourglass([...base, ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
    const down = await hourglass([...base, 'lint']);
    expect(down.code).toBe(1);
    expect(down.stderr.trim()).toMatch(/^error: cannot read pending migrations: .*\(lint --all or lint <version> needs no connection\)$/);
    expect(down.stderr).not.toContain('secret');
  });
});

describe('apply is gated by lint', () => {
  it('a budeval-style set with an MV POPULATE is refused before any statement runs; the tracking table is untouched', async () => {
    const migrations = folder('budeval', BUDEVAL);
    const url = `chdb:${join(dir, 'budeval-ch')}`;
    const dry = await hourglass(['--url', url, '--migrations', migrations, '--state', join(dir, 'state'), 'apply', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('lint 0002_model_performance_trends.up.sql:2 mv-populate (error)');

    const run = await hourglass(['--url', url, '--migrations', migrations, '--state', join(dir, 'state'), 'apply']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('lint 0002_model_performance_trends.up.sql:2 mv-populate (error): materialized view model_performance_trends uses POPULATE');
    expect(run.stderr).toMatch(/^error: lint refused the migrations before any statement ran: 0002_model_performance_trends\.up\.sql:2 mv-populate/m);
    await withDriver(url, async (driver) => {
      expect(await driver.readTracking()).toEqual([]);
      const tables = await driver.query<{ name: string }>('SELECT name FROM system.tables WHERE database = currentDatabase()');
      expect(tables).toEqual([]); // not even 0001's table, nor hourglass_migrations
    });
  });

  it('the same statement with a reasoned allow applies; warnings are printed and apply goes on', async () => {
    const migrations = folder('budeval-allowed', {
      ...BUDEVAL,
      '0002_model_performance_trends.up.sql': `-- hourglass:allow mv-populate evaluation_results is empty: nothing can be inserted while it populates\n${BUDEVAL['0002_model_performance_trends.up.sql']}`,
      '0003_drop.up.sql': 'DROP TABLE IF EXISTS scratch;\n',
    });
    const url = `chdb:${join(dir, 'budeval-allowed-ch')}`;
    const run = await hourglass(['--url', url, '--migrations', migrations, '--state', join(dir, 'state'), 'apply']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('lint 0003_drop.up.sql:1 drop-table (warning)');
    expect(run.stdout).toContain('applied 3 migration(s); database is at version 3');
    const pending = await hourglass(['--url', url, '--migrations', migrations, '--state', join(dir, 'state'), '--json', 'lint']);
    expect(pending.code).toBe(0);
    expect(JSON.parse(pending.stdout)).toEqual({ findings: [] });
  });
});
