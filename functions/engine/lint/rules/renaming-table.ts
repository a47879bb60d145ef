import { wordsAt } from '../tokens.js';
import type { Rule } from '../types.js';
import { alterActions } from './helpers.js';

export const rule: Rule = {
  name: 'renaming-table',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'RENAME TO breaks every client still using the old table name',
  check(m) {
    return alterActions(m).flatMap(({ statement, table, action }) => (wordsAt(action, 0, ['RENAME', 'TO']) ? [{
      statement,
      message: `renaming table ${table} breaks clients that still use the old name`,
      fix: `keep ${table} and move clients first (a view under the old name can bridge the change)`,
    }] : []));
  },
};
