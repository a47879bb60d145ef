// Ten applies at once against one target apply each migration exactly once: the lock
// (PostgreSQL advisory lock, ClickHouse DynamoDB lease) lets one runner do all the work.
import { describe, expect, it } from 'vitest';
import { expectExit } from '../harness.js';
import { fileName, tableMigration } from '../fixtures.js';
import type { Conformance } from '../suite.js';

const RUNNERS = 10;

export function defineConcurrencyCases({ harness: h, newTarget }: Conformance): void {
  describe(`${h.engine}: concurrency`, () => {
    it(`${RUNNERS} concurrent applies apply each migration exactly once`, async () => {
      const t = await newTarget();
      t.write({
        ...tableMigration(h, 1, 'counter'),
        // Not idempotent: a second run of it would leave two rows.
        [fileName(2, 'count_once', 'up.sql')]: 'INSERT INTO counter VALUES (1);\n',
        ...tableMigration(h, 3, 'after_count'),
      });
      const results = await h.applyConcurrently(t, RUNNERS);
      expect(results.filter((r) => !r.ok).map((r) => r.detail)).toEqual([]);
      // Whoever takes the lock first applies all three; everyone after it finds nothing to do.
      expect(results.map((r) => r.applied).sort((a, b) => a - b)).toEqual([...Array(RUNNERS - 1).fill(0), 3]);

      expect(await t.count('counter')).toBe(1);
      const snap = await t.snapshot();
      expect(snap.tables).toEqual(['after_count', 'counter', 'hourglass_migrations']);
      expect(snap.tracking.map((r) => [r.version, r.status])).toEqual([[1, 'applied'], [2, 'applied'], [3, 'applied']]);
      expect(new Set(snap.tracking.map((r) => r.runId)).size).toBe(1);
      // Every stored row (ClickHouse appends one per state change): one `applied` per version, all by one runner.
      // (Unmerged: a second `applied` row of a version would otherwise be merged out of sight.)
      const stored = await t.inspect((driver) => h.rawTracking(driver, 'stored'));
      const appliedRows = stored.filter((r) => r.status === 'applied');
      expect(appliedRows.map((r) => Number(r.version)).sort()).toEqual([1, 2, 3]);
      expect(new Set(stored.map((r) => r.run_id)).size).toBe(1);

      expectExit(await t.cli('apply'), 0);
      expect(await t.count('counter')).toBe(1);
    });
  });
}
