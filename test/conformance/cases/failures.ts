// Failures: a failing migration stops the run and is recorded, then completes after the fix
// (PostgreSQL rolls it back whole, ClickHouse resumes at the failed statement); drift
// (a changed or missing applied migration) is refused before anything runs.
import { describe, expect, it } from 'vitest';
import { describeRun, jsonOf } from '../cli.js';
import { expectExit } from '../harness.js';
import { fileName, states, tableMigration, type ApplyJson, type StatusJson } from '../fixtures.js';
import type { Conformance } from '../suite.js';

export function defineFailureCases({ harness: h, newTarget }: Conformance): void {
  describe(`${h.engine}: failures`, () => {
    it('a failing migration stops the run, is recorded failed with its error, and completes once fixed', async () => {
      const t = await newTarget();
      // Statement 1 is a CREATE TABLE without IF NOT EXISTS: running it twice fails, so a
      // successful re-apply on ClickHouse proves it resumed after it.
      const broken = (second: string) => `${h.createTable('f1')};\n${second};\n${h.createTable('f3')};\n`;
      t.write({
        ...tableMigration(h, 1, 'base'),
        [fileName(2, 'broken', 'up.sql')]: broken('SELECT * FROM no_such_table'),
        ...tableMigration(h, 3, 'later'),
      });
      const failed = await t.cli('apply');
      expectExit(failed, 1);
      expect(failed.stderr).toMatch(/error: migration 2 \(broken\) failed at statement 2 \(SELECT \* FROM no_such_table\): .*no_such_table/i);

      const afterFailure = await t.snapshot();
      expect(afterFailure.tracking.map((r) => [r.version, r.status])).toEqual([[1, 'applied'], [2, 'failed']]); // 3 never started
      // The recorded error says where: statement index and first line, then the engine's reason.
      expect(afterFailure.tracking[1].error).toMatch(/^at statement 2 \(SELECT \* FROM no_such_table\): .*no_such_table/i);
      expect(afterFailure.tables).not.toContain('later');
      expect(afterFailure.tables).not.toContain('f3');
      if (h.transactional) {
        // Rolled back whole: the table of statement 1 is gone too.
        expect(afterFailure.tables).toEqual(['base', 'hourglass_migrations']);
        expect(afterFailure.tracking[1].statementsDone).toBe(0);
      } else {
        expect(afterFailure.tables).toEqual(['base', 'f1', 'hourglass_migrations']);
        expect(afterFailure.tracking[1].statementsDone).toBe(1);
      }
      const status = jsonOf<StatusJson>(await t.cli('--json', 'status'));
      expect(states(status)).toEqual({ 1: 'applied', 2: 'failed', 3: 'pending' });
      expect(status.migrations[1].error).toBe(afterFailure.tracking[1].error);
      const plan = jsonOf<ApplyJson>(await t.cli('--json', 'apply', '--dry-run'));
      expect(plan.planned).toEqual([{ version: 2, name: 'broken', ...(h.transactional ? {} : { resumeAt: 1 }) }, { version: 3, name: 'later' }]);

      t.write({ [fileName(2, 'broken', 'up.sql')]: broken('SELECT 1') });
      const fixed = await t.cli('--json', 'apply');
      expectExit(fixed, 0);
      const result = jsonOf<ApplyJson>(fixed);
      expect(result.applied.map((a) => a.version)).toEqual([2, 3]);
      expect(result.applied[0].resumedAt, describeRun(fixed)).toBe(h.transactional ? undefined : 1);
      const done = await t.snapshot();
      expect(done.tables).toEqual(['base', 'f1', 'f3', 'hourglass_migrations', 'later']);
      expect(done.tracking.map((r) => [r.version, r.status, r.error])).toEqual([[1, 'applied', null], [2, 'applied', null], [3, 'applied', null]]);
      const finalStatus = jsonOf<StatusJson>(await t.cli('--json', 'status'));
      expect(states(finalStatus)).toEqual({ 1: 'applied', 2: 'applied', 3: 'applied' });
      expect(finalStatus.migrations[1].checksum).toBe(done.tracking[1].checksum); // the fixed file's checksum is recorded
    });

    it('a changed applied migration is refused before any statement runs; validate names it', async () => {
      const t = await newTarget();
      t.write({ ...tableMigration(h, 1, 'one'), ...tableMigration(h, 2, 'two') });
      expectExit(await t.cli('apply'), 0);
      // The tampered text would create another table if it ran; a pending migration follows it.
      t.write({ [fileName(1, 'one', 'up.sql')]: `${h.createTable('one_tampered')};\n`, ...tableMigration(h, 3, 'three') });
      const before = await t.snapshot();

      const refused = await t.cli('apply');
      expectExit(refused, 1);
      expect(refused.stderr).toMatch(/error: migration 1 \(one\) was changed after it was applied/);
      expect(await t.snapshot()).toEqual(before); // nothing ran: no table three, no tracking row written

      const validate = await t.cli('validate');
      expectExit(validate, 1);
      expect(validate.stdout).toContain('migration 1 (one) was changed after it was applied');
      const validateJson = await t.cli('--json', 'validate');
      expectExit(validateJson, 1);
      expect(jsonOf<{ ok: boolean; problems: string[] }>(validateJson)).toMatchObject({ ok: false, problems: [expect.stringContaining('migration 1 (one)')] });
      expect(await t.snapshot()).toEqual(before);
    });

    it('an applied migration whose files are gone is missing: status shows it, validate and apply refuse', async () => {
      const t = await newTarget();
      t.write({ ...tableMigration(h, 1, 'one'), ...tableMigration(h, 2, 'two') });
      expectExit(await t.cli('apply'), 0);
      t.remove(fileName(2, 'two', 'up.sql'), fileName(2, 'two', 'down.sql'));
      t.write(tableMigration(h, 3, 'three'));
      const before = await t.snapshot();

      const status = await t.cli('--json', 'status');
      expectExit(status, 1);
      expect(states(jsonOf<StatusJson>(status))).toEqual({ 1: 'applied', 2: 'missing', 3: 'pending' });
      const validate = await t.cli('validate');
      expectExit(validate, 1);
      expect(validate.stdout).toContain('migration 2 (two) is applied but its files are missing');
      const apply = await t.cli('apply');
      expectExit(apply, 1);
      expect(apply.stderr).toMatch(/error: migration 2 \(two\) is applied in the database but its files are missing/);
      expect(await t.snapshot()).toEqual(before);
    });
  });
}
