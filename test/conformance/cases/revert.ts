// Revert: the last migration by default, `--to N` down to (not including) N in reverse
// order, and a refusal naming the migration before anything runs when a down is missing.
import { describe, expect, it } from 'vitest';
import { jsonOf } from '../cli.js';
import { expectExit } from '../harness.js';
import { fileName, states, tableMigration, tableMigrations, type StatusJson } from '../fixtures.js';
import type { Conformance } from '../suite.js';

export function defineRevertCases({ harness: h, newTarget }: Conformance): void {
  describe(`${h.engine}: revert`, () => {
    it('reverts the last migration by default, and with --to N down to (not including) N in reverse order', async () => {
      const t = await newTarget();
      t.write({
        ...tableMigrations(h, 2),
        [fileName(3, 't3', 'up.sql')]: `${h.createTable('t3')};\n`,
        // Writes into t2: succeeds only while 2 is still applied, i.e. when 3 is reverted first.
        [fileName(3, 't3', 'down.sql')]: 'INSERT INTO t2 VALUES (3);\nDROP TABLE t3;\n',
      });
      expectExit(await t.cli('apply'), 0);

      const last = await t.cli('revert');
      expectExit(last, 0);
      expect(last.stdout).toContain('reverted 1 migration(s); database is at version 2');
      let snap = await t.snapshot();
      expect(snap.tables).toEqual(['hourglass_migrations', 't1', 't2']);
      expect(snap.tracking.map((r) => [r.version, r.status])).toEqual([[1, 'applied'], [2, 'applied'], [3, 'reverted']]);
      expect(await t.count('t2')).toBe(1); // the down ran exactly once
      expect(states(jsonOf<StatusJson>(await t.cli('--json', 'status')))).toEqual({ 1: 'applied', 2: 'applied', 3: 'pending' });

      expectExit(await t.cli('apply'), 0);
      expect((await t.snapshot()).tables).toEqual(['hourglass_migrations', 't1', 't2', 't3']);

      const toOne = await t.cli('revert', '--to', '1');
      expectExit(toOne, 0);
      expect(toOne.stdout).toContain('reverted 2 migration(s); database is at version 1');
      expect([...toOne.stderr.matchAll(/revert (\d{4})_\w+ … ok/g)].map((m) => Number(m[1]))).toEqual([3, 2]);
      snap = await t.snapshot();
      expect(snap.tables).toEqual(['hourglass_migrations', 't1']);
      expect(snap.tracking.map((r) => [r.version, r.status])).toEqual([[1, 'applied'], [2, 'reverted'], [3, 'reverted']]);

      const toZero = await t.cli('--json', 'revert', '--to', '0');
      expectExit(toZero, 0);
      expect(jsonOf<{ reverted: { version: number }[]; databaseVersion: number | null }>(toZero)).toMatchObject({ reverted: [{ version: 1 }], databaseVersion: null });
      expect((await t.snapshot()).tables).toEqual(['hourglass_migrations']);
      const nothing = await t.cli('revert');
      expectExit(nothing, 0);
      expect(nothing.stdout).toContain('nothing to revert');
    });

    it('refuses, naming it, when a needed down is missing, before reverting anything', async () => {
      const t = await newTarget();
      t.write({ ...tableMigration(h, 1, 'one'), ...tableMigration(h, 2, 'two', { down: false }), ...tableMigration(h, 3, 'three') });
      expectExit(await t.cli('apply'), 0);
      const before = await t.snapshot();

      const refused = await t.cli('revert', '--to', '0');
      expectExit(refused, 1);
      expect(refused.stderr).toMatch(/error: cannot revert migration 2 \(two\): it has no down migration/);
      // 3 comes first in reverse order and has a down: still untouched, because the check runs before anything.
      expect(await t.snapshot()).toEqual(before);

      const lastOnly = await t.cli('revert');
      expectExit(lastOnly, 0); // only 3 is needed, and it has a down
      expect((await t.snapshot()).tables).toEqual(['hourglass_migrations', 'one', 'two']);
    });
  });
}
