// PostgreSQL only: `-- hourglass:no-transaction` runs a migration outside a transaction,
// which CREATE INDEX CONCURRENTLY requires (it fails inside one).
import { describe, expect, it } from 'vitest';
import { expectExit } from '../harness.js';
import { fileName, type Files } from '../fixtures.js';
import type { Conformance } from '../suite.js';
import type { TestTarget } from '../harness.js';

function indexes(t: TestTarget): Promise<string[]> {
  return t.inspect(async (d) => (await d.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'items' ORDER BY 1")).map((r) => r.indexname));
}

export function definePostgresCases({ harness: h, newTarget }: Conformance): void {
  const items: Files = { [fileName(1, 'items', 'up.sql')]: `${h.createTable('items')};\nINSERT INTO items VALUES (1), (2);\n` };
  const index = 'CREATE INDEX CONCURRENTLY items_id_idx ON items (id);\n';

  if (h.singleUserBackend) {
    defineVacuumCases({ harness: h, newTarget }, items);
    return;
  }
  describe('postgres: no-transaction marker', () => {
    it('-- hourglass:no-transaction lets CREATE INDEX CONCURRENTLY apply', async () => {
      const t = await newTarget();
      t.write({ ...items, [fileName(2, 'items_index', 'up.sql')]: `-- builds without locking writes\n-- hourglass:no-transaction\n${index}` });
      expectExit(await t.cli('apply'), 0);
      expect(await indexes(t)).toEqual(['items_id_idx']);
      expect((await t.snapshot()).tracking.map((r) => [r.version, r.status])).toEqual([[1, 'applied'], [2, 'applied']]);
    });

    it('without the marker the same migration fails inside its transaction and leaves no index', async () => {
      const t = await newTarget();
      t.write({ ...items, [fileName(2, 'items_index', 'up.sql')]: index });
      const failed = await t.cli('apply');
      expectExit(failed, 1);
      expect(failed.stderr).toMatch(/migration 2 \(items_index\) failed at statement 1 \(CREATE INDEX CONCURRENTLY items_id_idx ON items \(id\)\): CREATE INDEX CONCURRENTLY cannot run inside a transaction block/);
      expect(await indexes(t)).toEqual([]);
      expect((await t.snapshot()).tracking.map((r) => [r.version, r.status])).toEqual([[1, 'applied'], [2, 'failed']]);
    });
  });
}

/** The same two cases with VACUUM (see EngineHarness.singleUserBackend): it runs outside a transaction and is refused inside one. */
function defineVacuumCases({ newTarget }: Conformance, items: Files): void {
  const vacuum = 'VACUUM items;\n';
  describe('postgres: no-transaction marker (VACUUM: single-user backend)', () => {
    it('-- hourglass:no-transaction lets VACUUM apply', async () => {
      const t = await newTarget();
      t.write({ ...items, [fileName(2, 'items_vacuum', 'up.sql')]: `-- hourglass:no-transaction\n${vacuum}` });
      expectExit(await t.cli('apply'), 0);
      expect((await t.snapshot()).tracking.map((r) => [r.version, r.status])).toEqual([[1, 'applied'], [2, 'applied']]);
    });

    it('without the marker the same migration fails inside its transaction and is recorded failed', async () => {
      const t = await newTarget();
      t.write({ ...items, [fileName(2, 'items_vacuum', 'up.sql')]: vacuum });
      const failed = await t.cli('apply');
      expectExit(failed, 1);
      expect(failed.stderr).toMatch(/migration 2 \(items_vacuum\) failed at statement 1 \(VACUUM items\): VACUUM cannot run inside a transaction block/);
      expect((await t.snapshot()).tracking.map((r) => [r.version, r.status])).toEqual([[1, 'applied'], [2, 'failed']]);
    });
  });
}
