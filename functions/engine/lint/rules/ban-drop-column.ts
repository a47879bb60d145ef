import { identifier, wordsAt } from '../tokens.js';
import type { Rule } from '../types.js';
import { alterActions } from './helpers.js';

export const rule: Rule = {
  name: 'ban-drop-column',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'DROP COLUMN loses data and breaks clients still selecting the column',
  check(m) {
    return alterActions(m).flatMap(({ statement, table, action }) => {
      if (!wordsAt(action, 0, ['DROP'])) return [];
      const at = wordsAt(action, 1, ['COLUMN']) ? 2 : wordsAt(action, 1, ['CONSTRAINT']) ? -1 : 1;
      if (at === -1) return [];
      const name = identifier(action[wordsAt(action, at, ['IF', 'EXISTS']) ? at + 2 : at]);
      return [{
        statement,
        message: `dropping ${table}.${name} loses its data and breaks clients that still select it`,
        fix: 'stop every reader and writer of the column first; if it must go, say why with `-- hourglass:allow ban-drop-column <reason>`',
      }];
    });
  },
};
