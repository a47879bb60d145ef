import { addedColumn } from '../ddl.js';
import { findWords, wordsAt } from '../tokens.js';
import type { Rule } from '../types.js';
import { alterActions } from './helpers.js';

export const rule: Rule = {
  name: 'adding-foreign-key-constraint',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'a foreign key added to an existing table scans it under SHARE ROW EXCLUSIVE on both tables',
  check(m) {
    return alterActions(m).flatMap(({ statement, table, action }) => {
      const column = addedColumn(action);
      const viaColumn = column !== undefined && findWords(column.rest, ['REFERENCES']) !== -1;
      const viaConstraint = wordsAt(action, 0, ['ADD']) && findWords(action, ['FOREIGN', 'KEY']) !== -1 && findWords(action, ['NOT', 'VALID']) === -1;
      if (!viaColumn && !viaConstraint) return [];
      return [{
        statement,
        message: `foreign key on ${table} scans it and blocks writes to ${table} and the referenced table`,
        fix: 'ADD CONSTRAINT … FOREIGN KEY … NOT VALID here, then VALIDATE CONSTRAINT in a later migration',
      }];
    });
  },
};
