import { identifier, wordsAt } from '../tokens.js';
import type { Rule } from '../types.js';
import { alterActions } from './helpers.js';

export const rule: Rule = {
  name: 'changing-column-type',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'ALTER COLUMN … TYPE rewrites the table (and its indexes) under ACCESS EXCLUSIVE',
  check(m) {
    return alterActions(m).flatMap(({ statement, table, action }) => {
      const at = wordsAt(action, 0, ['ALTER', 'COLUMN']) ? 2 : wordsAt(action, 0, ['ALTER']) ? 1 : -1;
      if (at === -1 || !(wordsAt(action, at + 1, ['TYPE']) || wordsAt(action, at + 1, ['SET', 'DATA', 'TYPE']))) return [];
      const column = identifier(action[at]);
      return [{
        statement,
        message: `changing the type of ${table}.${column} rewrites the table under an ACCESS EXCLUSIVE lock and may break clients reading it`,
        fix: `add a new column of the new type, backfill it in batches, switch readers, then drop ${column}`,
      }];
    });
  },
};
