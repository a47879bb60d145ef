// `hourglass new <name>`: the next numbered migration's files in the folder's own naming, which
// the migration set then loads and apply runs; a bad name or engine is one line, exit 2, no file.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMigrationSet } from '../../functions/engine/migrations/set.js';
import { parseBackfillDefinition } from '../../functions/engine/backfill/definition.js';
import { hourglass } from '../corpus/cli.js';

const root = mkdtempSync(join(tmpdir(), 'hourglass-cli-new-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function workdir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  return dir;
}

describe('hourglass new', () => {
  it('writes 0001 up/down (and backfill) into migrations/<engine>, then the next number', async () => {
    const cwd = workdir('fresh');
    const first = await hourglass(['new', 'add_events', '--backfill', '--engine', 'postgres'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n')).toEqual([
      'migrations/postgres/0001_add_events.up.sql',
      'migrations/postgres/0001_add_events.down.sql',
      'migrations/postgres/0001_add_events.backfill.sql',
    ]);
    const second = await hourglass(['new', 'second_step', '--json', '--engine', 'postgres'], { cwd });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ version: 2, name: 'second_step', engine: 'postgres', files: ['migrations/postgres/0002_second_step.up.sql', 'migrations/postgres/0002_second_step.down.sql'] });
    // What it wrote is a valid migration set with a parseable backfill.
    const set = loadMigrationSet(join(cwd, 'migrations/postgres'));
    expect(set.migrations.map((m) => [m.version, m.name, m.hasSqlDown])).toEqual([[1, 'add_events', true], [2, 'second_step', true]]);
    expect(parseBackfillDefinition(set.migrations[0]!.backfillSql!, set.migrations[0]!).target).toBe('events_new');
  });

  it('follows the folder: after 0007 comes 0008, in --migrations, and the files apply on chdb', async () => {
    const cwd = workdir('existing');
    const mig = join(cwd, 'm');
    mkdirSync(mig);
    writeFileSync(join(mig, '0007_base.up.sql'), 'CREATE TABLE base (x UInt8) ENGINE = MergeTree ORDER BY x;');
    const r = await hourglass(['--migrations', mig, 'new', 'next_one'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(mig).sort()).toEqual(['0007_base.up.sql', '0008_next_one.down.sql', '0008_next_one.up.sql']);
    const applied = await hourglass(['--url', `chdb:${join(cwd, 'db')}`, '--migrations', mig, 'apply', '--json'], { cwd });
    expect(applied.code, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout).databaseVersion).toBe(8);
  });

  it.each([
    ['Bad-Name', /invalid migration name "Bad-Name"/],
    ['with space', /invalid migration name "with space"/],
    ['_leading', /invalid migration name "_leading"/],
  ])('refuses the name %s: one line, exit 2, nothing written', async (name, says) => {
    const cwd = workdir(`bad-${name.replace(/\W/g, '')}`);
    const r = await hourglass(['new', name, '--backfill'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(says);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('refuses an unknown --engine: exit 2, nothing written', async () => {
    const cwd = workdir('bad-engine');
    const r = await hourglass(['new', 'ok_name', '--engine', 'mysql'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: invalid --engine "mysql": expected clickhouse or postgres\n$/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
