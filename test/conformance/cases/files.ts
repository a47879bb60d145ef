// Bad migration folders are bad input: exit 2, one line naming the file, and nothing
// changed in the target — not even the tracking table. Each folder also holds a valid
// migration 1 that creates a table, so applying anything before refusing would show.
import { describe, expect, it } from 'vitest';
import { expectUsageError } from '../harness.js';
import { tableMigration, type Files } from '../fixtures.js';
import type { Conformance } from '../suite.js';

interface BadFolder {
  what: string;
  files: Files;
  /** What the one error line must say: the file's name and the problem. */
  mentions: RegExp;
}

export function defineFileCases({ harness: h, newTarget }: Conformance): void {
  const good = tableMigration(h, 1, 'good');
  const cases: BadFolder[] = [
    { what: 'a duplicate version', files: { ...good, '0002_second.up.sql': 'SELECT 1;\n', '0002_again.up.sql': 'SELECT 2;\n' }, mentions: /0002_(again|second)\.up\.sql: duplicate version 2/ },
    { what: 'an unparseable name', files: { ...good, 'V2__add_column.up.sql': 'SELECT 1;\n' }, mentions: /V2__add_column\.up\.sql: unparseable migration file name/ },
    { what: 'a name without up/down', files: { ...good, '0002_no_kind.sql': 'SELECT 1;\n' }, mentions: /0002_no_kind\.sql: unparseable/ },
    { what: 'a down without an up', files: { ...good, '0002_orphan.down.sql': 'SELECT 1;\n' }, mentions: /0002_orphan\.down\.sql: a down migration without an up/ },
    { what: 'an empty file', files: { ...good, '0002_empty.up.sql': '-- nothing but a comment\n\n' }, mentions: /0002_empty\.up\.sql: file is empty/ },
    {
      what: 'a TypeScript migration that throws on import',
      files: { ...good, '0002_boom.ts': "throw new Error('boom while importing');\nexport async function up(): Promise<void> {}\n" },
      mentions: /0002_boom\.ts: failed to import: boom while importing/,
    },
  ];

  describe(`${h.engine}: bad migration files`, () => {
    it.each(cases)('$what is refused by apply and validate with exit 2, naming the file, changing nothing', async ({ files, mentions }) => {
      const t = await newTarget();
      t.write(files);
      expectUsageError(await t.cli('apply'), mentions);
      expect(await t.snapshot()).toEqual({ tables: [], schema: [], tracking: [], raw: [] }); // not even hourglass_migrations
      expectUsageError(await t.cli('validate'), mentions);
      // A dry run predicts the real run: it refuses the same folder.
      expectUsageError(await t.cli('--json', 'apply', '--dry-run'), mentions);
    });
  });
}
