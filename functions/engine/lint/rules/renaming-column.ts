import { identifier, isWord, wordsAt } from '../tokens.js';
import type { Rule } from '../types.js';
import { alterActions } from './helpers.js';

export const rule: Rule = {
  name: 'renaming-column',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'RENAME COLUMN breaks every client still using the old name',
  check(m) {
    return alterActions(m).flatMap(({ statement, table, action }) => {
      const at = wordsAt(action, 0, ['RENAME', 'COLUMN']) ? 2 : wordsAt(action, 0, ['RENAME']) && !isWord(action[1], 'TO', 'CONSTRAINT') ? 1 : -1;
      if (at === -1) return [];
      return [{
        statement,
        message: `renaming ${table}.${identifier(action[at])} breaks clients that still use the old name`,
        fix: 'add the new column, write both, move readers, then drop the old one in a later migration',
      }];
    });
  },
};
