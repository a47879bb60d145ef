import { afterCreate } from '../ddl.js';
import { findTopWords, isWord, qualifiedName } from '../tokens.js';
import type { Rule } from '../types.js';
import { createdBefore } from './helpers.js';

export const rule: Rule = {
  name: 'require-concurrent-index-creation',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds',
  check(m) {
    return m.statements.flatMap((s) => {
      const head = afterCreate(s.code, ['INDEX']);
      if (!head || s.code.some((t) => isWord(t, 'CONCURRENTLY'))) return [];
      const on = findTopWords(s.code, ['ON']);
      const table = qualifiedName(s.code, isWord(s.code[on + 1], 'ONLY') ? on + 2 : on + 1)?.name;
      if (on === -1 || table === undefined || createdBefore(m, s).has(table)) return [];
      return [{
        statement: s,
        message: `index on ${table} is built without CONCURRENTLY: writes to ${table} wait until it is done`,
        fix: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS …, alone in a migration whose first line is `-- hourglass:no-transaction`',
      }];
    });
  },
};
