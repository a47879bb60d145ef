import { findWords, identifier, wordsAt } from '../tokens.js';
import type { Hit, Rule } from '../types.js';
import { alterActions } from './helpers.js';

export const rule: Rule = {
  name: 'constraint-missing-not-valid',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'ADD CONSTRAINT without NOT VALID scans the table while blocking writes; NOT VALID then VALIDATE in one transaction blocks too',
  check(m) {
    const hits: Hit[] = [];
    const notValid = new Set<string>();
    for (const { statement, table, action } of alterActions(m)) {
      if (wordsAt(action, 0, ['ADD', 'CONSTRAINT']) || wordsAt(action, 0, ['ADD', 'CHECK|FOREIGN|UNIQUE|PRIMARY|EXCLUDE'])) {
        const name = wordsAt(action, 1, ['CONSTRAINT']) ? identifier(action[2]) : undefined;
        if (findWords(action, ['NOT', 'VALID']) !== -1) {
          if (name) notValid.add(name);
        } else if (findWords(action, ['USING', 'INDEX']) === -1) {
          hits.push({
            statement,
            message: `constraint${name ? ` ${name}` : ''} on ${table} is checked against every row while writes wait`,
            fix: 'add it with NOT VALID, then VALIDATE CONSTRAINT in a separate migration (validation takes only SHARE UPDATE EXCLUSIVE)',
          });
        }
      }
      if (wordsAt(action, 0, ['VALIDATE', 'CONSTRAINT']) && !m.noTransaction && notValid.has(identifier(action[2]) ?? '')) {
        hits.push({
          statement,
          message: `constraint ${identifier(action[2])} is added NOT VALID and validated in the same transaction: reads and writes are blocked until validation ends`,
          fix: 'move VALIDATE CONSTRAINT to the next migration',
        });
      }
    }
    return hits;
  },
};
