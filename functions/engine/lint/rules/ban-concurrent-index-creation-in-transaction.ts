import { afterCreate } from '../ddl.js';
import { isWord, wordsAt } from '../tokens.js';
import type { Rule } from '../types.js';

// A warning, as in squawk: PostgreSQL runs the migration in a transaction, so the failure
// it predicts rolls back cleanly and leaves nothing half-applied.

export const rule: Rule = {
  name: 'ban-concurrent-index-creation-in-transaction',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'CREATE/DROP INDEX CONCURRENTLY in a migration that runs in a transaction (no `-- hourglass:no-transaction`) fails',
  check(m) {
    if (m.noTransaction) return [];
    return m.statements.flatMap((s) => {
      const concurrent = (afterCreate(s.code, ['INDEX']) || wordsAt(s.code, 0, ['DROP', 'INDEX']) || wordsAt(s.code, 0, ['REINDEX'])) && s.code.some((t) => isWord(t, 'CONCURRENTLY'));
      if (!concurrent) return [];
      return [{
        statement: s,
        message: 'CONCURRENTLY cannot run inside a transaction block, and this migration runs in one',
        fix: 'put `-- hourglass:no-transaction` on the first line of the migration (PostgreSQL then runs it statement by statement)',
      }];
    });
  },
};
