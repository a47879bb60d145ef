// Applying: fresh apply in version order, re-apply as a no-op, the status --json contract,
// --dry-run touching nothing, --to, and TypeScript migrations.
import { describe, expect, it } from 'vitest';
import { describeRun, jsonOf } from '../cli.js';
import { expectExit, expectUsageError } from '../harness.js';
import { fileName, states, tableMigration, tableMigrations, typeScriptMigration, type ApplyJson, type StatusJson } from '../fixtures.js';
import type { Conformance } from '../suite.js';

/** The contract: exactly these keys; `error` is the one addition, and only on a failed migration. */
export function expectStatusShape(status: StatusJson): void {
  expect(Object.keys(status).sort()).toEqual(['codeVersion', 'databaseVersion', 'migrations']);
  expect(status.databaseVersion === null || Number.isInteger(status.databaseVersion)).toBe(true);
  expect(Number.isInteger(status.codeVersion)).toBe(true);
  for (const m of status.migrations) {
    // The original four (and error when failed); applied rows add when, how long and any baseline/repair note.
    const base = m.state === 'failed' ? ['checksum', 'error', 'name', 'state', 'version'] : ['checksum', 'name', 'state', 'version'];
    const recorded = m.state === 'applied' || m.state === 'changed' ? ['appliedAt', 'durationMs'] : [];
    const optional = ['baseline', 'reason', 'recordedBy', 'recordedChecksum'];
    const keys = Object.keys(m).filter((k) => !optional.includes(k)).sort();
    expect(keys, JSON.stringify(m)).toEqual([...base, ...recorded].sort());
    if (m.state === 'applied') expect(m.durationMs === null || Number.isInteger(m.durationMs), JSON.stringify(m)).toBe(true);
    expect(Number.isInteger(m.version)).toBe(true);
    expect(typeof m.name).toBe('string');
    expect(['applied', 'pending', 'failed', 'changed', 'missing']).toContain(m.state);
    expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
  }
}

export function defineApplyCases({ harness: h, newTarget }: Conformance): void {
  describe(`${h.engine}: apply`, () => {
    it('applies every migration of a fresh database in version order; re-applying is a no-op', async () => {
      const t = await newTarget();
      // Unpadded versions: by name 10 sorts before 9; 10 needs 9's table, so only numeric order succeeds.
      t.write({
        '1_alpha.up.sql': `${h.createTable('alpha')};\n`,
        '9_beta.up.sql': `${h.createTable('beta')};\n`,
        '10_gamma.up.sql': `INSERT INTO beta VALUES (10);\n${h.createTable('gamma')};\n`,
      });
      const first = await t.cli('apply');
      expectExit(first, 0);
      expect(first.stdout).toContain('applied 3 migration(s); database is at version 10');
      expect([...first.stderr.matchAll(/apply (\d{4})_\w+ … ok/g)].map((m) => Number(m[1]))).toEqual([1, 9, 10]);

      const applied = await t.snapshot();
      expect(applied.tables).toEqual(['alpha', 'beta', 'gamma', 'hourglass_migrations']);
      expect(applied.tracking.map((r) => [r.version, r.name, r.status])).toEqual([[1, 'alpha', 'applied'], [9, 'beta', 'applied'], [10, 'gamma', 'applied']]);
      for (let i = 1; i < applied.tracking.length; i++) {
        expect(applied.tracking[i].startedAt.getTime()).toBeGreaterThanOrEqual(applied.tracking[i - 1].finishedAt!.getTime());
      }
      expect(await t.count('beta')).toBe(1);

      const again = await t.cli('apply');
      expectExit(again, 0);
      expect(again.stdout).toContain('nothing to apply');
      expect(await t.snapshot()).toEqual(applied);
      expect(await t.count('beta')).toBe(1);
    });

    it('status --json has the contract shape with applied, pending, failed, changed and missing where each belongs', async () => {
      const t = await newTarget();
      t.write({ ...tableMigration(h, 1, 'a'), ...tableMigration(h, 2, 'b'), [fileName(3, 'broken', 'up.sql')]: 'SELECT * FROM no_such_table;\n', ...tableMigration(h, 4, 'd') });
      const fresh = await t.cli('--json', 'status');
      expectExit(fresh, 0);
      const freshStatus = jsonOf<StatusJson>(fresh);
      expectStatusShape(freshStatus);
      expect(freshStatus).toMatchObject({ databaseVersion: null, codeVersion: 4 });
      expect(states(freshStatus)).toEqual({ 1: 'pending', 2: 'pending', 3: 'pending', 4: 'pending' });

      expectExit(await t.cli('apply'), 1);
      const afterFailure = await t.cli('--json', 'status');
      expectExit(afterFailure, 1); // a failed migration is a problem status reports
      const failed = jsonOf<StatusJson>(afterFailure);
      expectStatusShape(failed);
      expect(failed).toMatchObject({ databaseVersion: 2, codeVersion: 4 });
      expect(states(failed)).toEqual({ 1: 'applied', 2: 'applied', 3: 'failed', 4: 'pending' });
      expect(failed.migrations[2].error).toMatch(/no_such_table/i);
      const { tracking } = await t.snapshot();
      expect(failed.migrations.slice(0, 2).map((m) => m.checksum)).toEqual(tracking.slice(0, 2).map((r) => r.checksum));

      t.write({ [fileName(1, 'a', 'up.sql')]: `${h.createTable('a')};\n-- edited after it was applied\n` });
      t.remove(fileName(2, 'b', 'up.sql'), fileName(2, 'b', 'down.sql'));
      const drifted = await t.cli('--json', 'status');
      expectExit(drifted, 1);
      const drift = jsonOf<StatusJson>(drifted);
      expectStatusShape(drift);
      expect(states(drift)).toEqual({ 1: 'changed', 2: 'missing', 3: 'failed', 4: 'pending' });
      expect(drift.codeVersion).toBe(4);
      expect(drift.migrations[0].checksum).not.toBe(tracking[0].checksum); // the file's checksum, not the recorded one
      expect(drift.migrations[1]).toEqual({ version: 2, name: 'b', state: 'missing', checksum: tracking[1].checksum });
    });

    it('apply --dry-run changes nothing: no tracking table on a fresh database, schema and tracking identical after', async () => {
      const t = await newTarget();
      t.write(tableMigrations(h, 3));
      const fresh = await t.cli('apply', '--dry-run');
      expectExit(fresh, 0);
      expect(fresh.stdout.trim().split('\n')).toEqual(['would apply 1 t1', 'would apply 2 t2', 'would apply 3 t3']);
      expect(await t.snapshot()).toEqual({ tables: [], schema: [], tracking: [], raw: [] });

      expectExit(await t.cli('apply', '--to', '1'), 0);
      const before = await t.snapshot();
      expect(before.tables).toEqual(['hourglass_migrations', 't1']);
      const dry = await t.cli('--json', 'apply', '--dry-run');
      expectExit(dry, 0);
      expect(jsonOf<ApplyJson>(dry)).toMatchObject({ dryRun: true, applied: [], planned: [{ version: 2, name: 't2' }, { version: 3, name: 't3' }], databaseVersion: 1 });
      expect(await t.snapshot()).toEqual(before);
    });

    it('apply --to N applies only up to N; an unknown --to is refused (exit 2) and changes nothing', async () => {
      const t = await newTarget();
      t.write(tableMigrations(h, 3));
      const partial = await t.cli('apply', '--to', '2');
      expectExit(partial, 0);
      const upTo2 = await t.snapshot();
      expect(upTo2.tables).toEqual(['hourglass_migrations', 't1', 't2']);
      expect(upTo2.tracking.map((r) => [r.version, r.status])).toEqual([[1, 'applied'], [2, 'applied']]);

      expectUsageError(await t.cli('apply', '--to', '7'), 'unknown version 7');
      expectUsageError(await t.cli('apply', '--to', 'two'), '--to');
      expect(await t.snapshot()).toEqual(upTo2);

      expectExit(await t.cli('apply'), 0);
      expect((await t.snapshot()).tables).toEqual(['hourglass_migrations', 't1', 't2', 't3']);
    });

    it('a TypeScript migration (NNNN_name.ts with up/down using ctx.exec and ctx.query) applies and reverts', async () => {
      const t = await newTarget();
      t.write({ ...tableMigration(h, 1, 'plain'), [fileName(2, 'ts_items', 'ts')]: typeScriptMigration(h, 'ts_items') });
      const applied = await t.cli('apply');
      expectExit(applied, 0);
      const rows = await t.inspect((d) => d.query<{ id: unknown }>('SELECT id FROM ts_items ORDER BY id'));
      expect(rows.map((r) => Number(r.id))).toEqual([1, 2, 20]);
      const status = jsonOf<StatusJson>(await t.cli('--json', 'status'));
      expect(states(status)).toEqual({ 1: 'applied', 2: 'applied' });

      const reverted = await t.cli('revert');
      expectExit(reverted, 0);
      expect(reverted.stdout, describeRun(reverted)).toContain('reverted 1 migration(s); database is at version 1');
      const after = await t.snapshot();
      expect(after.tables).toEqual(['hourglass_migrations', 'plain']);
      expect(after.tracking.map((r) => [r.version, r.status])).toEqual([[1, 'applied'], [2, 'reverted']]);
      expect(states(jsonOf<StatusJson>(await t.cli('--json', 'status')))).toEqual({ 1: 'applied', 2: 'pending' });
    });
  });
}
