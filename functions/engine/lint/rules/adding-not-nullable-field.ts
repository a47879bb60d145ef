// squawk's adding-not-nullable-field (SET NOT NULL) together with what squawk calls
// adding-required-field (ADD COLUMN … NOT NULL without a DEFAULT), both named here by the first.
import { addedColumn } from '../ddl.js';
import { findWords, identifier, wordsAt } from '../tokens.js';
import type { Hit, Rule } from '../types.js';
import { alterActions } from './helpers.js';

export const rule: Rule = {
  name: 'adding-not-nullable-field',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'SET NOT NULL scans the table under ACCESS EXCLUSIVE; ADD COLUMN … NOT NULL without DEFAULT fails on a table with rows',
  check(m) {
    const hits: Hit[] = [];
    const validated = new Set<string>();
    for (const { statement, table, action } of alterActions(m)) {
      if (wordsAt(action, 0, ['VALIDATE', 'CONSTRAINT'])) validated.add(table);
      const column = addedColumn(action);
      if (column && findWords(column.rest, ['NOT', 'NULL']) !== -1 && findWords(column.rest, ['DEFAULT']) === -1 && findWords(column.rest, ['GENERATED']) === -1) {
        hits.push({
          statement,
          message: `column ${column.name} is added NOT NULL without a DEFAULT: it fails on a table that has rows`,
          fix: `give ${column.name} a non-volatile DEFAULT, or add it nullable, backfill it, then add a NOT VALID CHECK (${column.name} IS NOT NULL) and VALIDATE it`,
        });
      }
      const alterColumn = wordsAt(action, 0, ['ALTER', 'COLUMN']) ? 2 : wordsAt(action, 0, ['ALTER']) ? 1 : -1;
      if (alterColumn !== -1 && wordsAt(action, alterColumn + 1, ['SET', 'NOT', 'NULL']) && !validated.has(table)) {
        const name = identifier(action[alterColumn]);
        hits.push({
          statement,
          message: `SET NOT NULL on ${table}.${name} scans the whole table under an ACCESS EXCLUSIVE lock`,
          fix: `ADD CONSTRAINT ${name}_not_null CHECK (${name} IS NOT NULL) NOT VALID; then, in a later migration, VALIDATE CONSTRAINT ${name}_not_null before SET NOT NULL (PostgreSQL 12+ then skips the scan)`,
        });
      }
    }
    return hits;
  },
};
