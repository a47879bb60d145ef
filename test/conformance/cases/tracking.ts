// Tracking rows by hand, through the CLI, on every engine: `status` shows how long each applied
// migration took and its recorded checksum; `baseline` marks an existing database's migrations
// applied without running them; `repair` accepts an intended edit, with who and why. Every
// refusal is one line, exit 2, and leaves the target exactly as it was.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonOf } from '../cli.js';
import { expectExit, expectUsageError } from '../harness.js';
import { fileName, states, tableMigrations, type StatusJson } from '../fixtures.js';
import { expectStatusShape } from './apply.js';
import type { Conformance } from '../suite.js';

export function defineTrackingCases({ harness: h, newTarget }: Conformance): void {
  describe(`${h.engine}: status details, baseline, repair`, () => {
    it('status shows each applied migration\'s duration and short checksum (text and --json)', async () => {
      const t = await newTarget();
      t.write(tableMigrations(h, 2));
      expectExit(await t.cli('apply', '--to', '1'), 0);
      const status = jsonOf<StatusJson>(await t.cli('--json', 'status'));
      expectStatusShape(status);
      const [first, second] = status.migrations;
      expect(Number.isInteger(first!.durationMs) && first!.durationMs! >= 0, JSON.stringify(first)).toBe(true);
      expect(first!.appliedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(second).toEqual({ version: 2, name: 't2', state: 'pending', checksum: second!.checksum });
      const text = await t.cli('status');
      expectExit(text, 0);
      const line = text.stdout.split('\n').find((l) => l.includes(' t1 '))!;
      expect(line).toContain(`${first!.durationMs} ms`);
      expect(line).toContain(first!.checksum.slice(0, 12));
    });

    it('baseline marks migrations up to N applied without running them; apply then runs only the rest', async () => {
      const t = await newTarget();
      t.write(tableMigrations(h, 3));
      const untracked = await t.snapshot(); // nothing at all: not even the tracking table
      expectUsageError(await t.cli('baseline', '9'), 'baseline: unknown version 9');
      expectUsageError(await t.cli('baseline', 'two'), 'invalid version "two"');
      expect(await t.snapshot()).toEqual(untracked);

      const done = await t.cli('--json', 'baseline', '2', '--by', 'ops-team', '--reason', 'built by hand before hourglass');
      expectExit(done, 0);
      expect(jsonOf(done)).toEqual({ baselined: [{ version: 1, name: 't1' }, { version: 2, name: 't2' }], recordedBy: 'ops-team', databaseVersion: 2, codeVersion: 3 });
      const snap = await t.snapshot();
      expect(snap.tables).toEqual(['hourglass_migrations']); // t1 and t2 were not created: nothing ran
      expect(snap.tracking.map((r) => [r.version, r.status, r.runId, r.recordedBy, r.durationMs])).toEqual([
        [1, 'applied', 'baseline', 'ops-team', null], [2, 'applied', 'baseline', 'ops-team', null],
      ]);
      const status = jsonOf<StatusJson>(await t.cli('--json', 'status'));
      expectStatusShape(status);
      expect(status.migrations.map((m) => [m.version, m.state, m.baseline ?? false, m.durationMs])).toEqual([[1, 'applied', true, null], [2, 'applied', true, null], [3, 'pending', false, undefined]]);
      expect((await t.cli('status')).stdout).toMatch(/0001 {2}applied .* baseline by ops-team: built by hand before hourglass/);

      // Once anything is recorded, baseline is refused and changes nothing.
      const before = await t.snapshot();
      expectUsageError(await t.cli('baseline', '3'), /baseline: this target already tracks migrations \(2 recorded, up to 2\)/);
      expect(await t.snapshot()).toEqual(before);

      expectExit(await t.cli('apply'), 0);
      expect((await t.snapshot()).tables).toEqual(['hourglass_migrations', 't3']);
    });

    it('an edited applied migration stops apply with a message naming repair; repair records who and why', async () => {
      const t = await newTarget();
      t.write(tableMigrations(h, 2));
      expectExit(await t.cli('apply', '--to', '1'), 0);
      appendFileSync(join(t.migrations, fileName(1, 't1', 'up.sql')), '-- a comment added after apply\n');
      const refused = await t.cli('apply');
      expectExit(refused, 1);
      expect(refused.stderr).toMatch(/migration 1 \(t1\) was changed after it was applied: .* hourglass repair 1 --reason/);

      const before = await t.snapshot();
      expectUsageError(await t.cli('repair', '1'), 'repair needs --reason');
      expectUsageError(await t.cli('repair', '1', '--reason', '  '), 'invalid --reason');
      expectUsageError(await t.cli('repair', '7', '--reason', 'x'), 'repair: unknown version 7');
      expectUsageError(await t.cli('repair', '2', '--reason', 'x'), 'repair: migration 2 (t2) is pending, not applied');
      expect(await t.snapshot()).toEqual(before);

      const repaired = await t.cli('--json', 'repair', '1', '--reason', 'comment only', '--by', 'alice');
      expectExit(repaired, 0);
      const body = jsonOf<{ repaired: { from: string; to: string; recordedBy: string; reason: string } }>(repaired);
      expect(body.repaired).toMatchObject({ recordedBy: 'alice', reason: 'comment only' });
      expect(body.repaired.from).toBe(before.tracking[0]!.checksum);
      expect(body.repaired.to).not.toBe(body.repaired.from);

      const status = jsonOf<StatusJson>(await t.cli('--json', 'status'));
      expectStatusShape(status);
      expect(status.migrations[0]).toMatchObject({ version: 1, state: 'applied', checksum: body.repaired.to, recordedBy: 'alice', reason: 'comment only' });
      expect(status.migrations[0]!.recordedChecksum).toBeUndefined();
      expectExit(await t.cli('validate'), 0);
      // Repairing again finds nothing to do; apply goes on.
      expectUsageError(await t.cli('repair', '1', '--reason', 'again'), 'matches its recorded checksum: nothing to repair');
      expectExit(await t.cli('apply'), 0);
      expect(states(jsonOf<StatusJson>(await t.cli('--json', 'status')))).toEqual({ 1: 'applied', 2: 'applied' });
    });

    it('a tracking table from before baseline/repair: status reads it, repair adds the columns it needs', async () => {
      const t = await newTarget();
      t.write(tableMigrations(h, 1));
      await t.inspect(async (driver) => {
        for (const sql of oldTrackingTable(h.engine)) await driver.exec(sql);
      });
      const status = await t.cli('--json', 'status');
      expectExit(status, 1); // the old row's checksum is not the file's: "changed"
      const old = jsonOf<StatusJson>(status).migrations[0]!;
      expect(old).toMatchObject({ version: 1, state: 'changed', recordedChecksum: 'abc', durationMs: 5 });
      expectExit(await t.cli('repair', '1', '--reason', 'checksum format changed', '--by', 'bob'), 0);
      const after = jsonOf<StatusJson>(await t.cli('--json', 'status')).migrations[0]!;
      expect(after).toMatchObject({ state: 'applied', recordedBy: 'bob', reason: 'checksum format changed', durationMs: 5 });
    });
  });
}

/** hourglass_migrations as releases before baseline/repair created it, with one applied row. */
function oldTrackingTable(engine: string): string[] {
  if (engine === 'clickhouse') {
    return [
      `CREATE TABLE hourglass_migrations (version UInt64, name String, checksum String, status LowCardinality(String), started_at DateTime64(3, 'UTC'), finished_at Nullable(DateTime64(3, 'UTC')), duration_ms Nullable(UInt64), error Nullable(String), statements_done UInt32, run_id String, cutover Nullable(DateTime64(3, 'UTC')), seq UInt64) ENGINE = ReplacingMergeTree(seq) ORDER BY version`,
      "INSERT INTO hourglass_migrations VALUES (1, 't1', 'abc', 'applied', now64(3), now64(3), 5, NULL, 1, 'old-run', NULL, 1)",
    ];
  }
  return [
    `CREATE TABLE hourglass_migrations (version bigint PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, status text NOT NULL, started_at timestamptz NOT NULL, finished_at timestamptz NULL, duration_ms bigint NULL, error text NULL, statements_done integer NOT NULL DEFAULT 0, run_id text NOT NULL, cutover timestamptz NULL)`,
    "INSERT INTO hourglass_migrations VALUES (1, 't1', 'abc', 'applied', now(), now(), 5, NULL, 1, 'old-run', NULL)",
    'CREATE TABLE t1 (id integer)',
  ];
}
