// ClickHouse has no transactions: a failed migration resumes at the statement that failed, and
// a statement whose completion was not recorded runs again. A CREATE without IF NOT EXISTS then
// fails on what it already made.
import { afterCreate } from '../ddl.js';
import { wordsAt } from '../tokens.js';
import type { Rule } from '../types.js';

const OBJECTS = [['TABLE'], ['MATERIALIZED', 'VIEW'], ['VIEW'], ['DATABASE'], ['DICTIONARY'], ['FUNCTION']];

export const rule: Rule = {
  name: 'non-idempotent-ddl',
  severity: 'warning',
  engines: ['clickhouse'],
  summary: 'CREATE without IF NOT EXISTS in a multi-statement migration makes statement-level resume unsafe',
  check(m) {
    if (m.statements.length < 2) return [];
    return m.statements.flatMap((s) => {
      const object = OBJECTS.find((o) => afterCreate(s.code, o));
      if (!object || afterCreate(s.code, object)!.ifNotExists || wordsAt(s.code, 0, ['CREATE', 'OR', 'REPLACE'])) return [];
      return [{
        statement: s,
        message: `CREATE ${object.join(' ')} without IF NOT EXISTS fails when a resumed migration runs it again`,
        fix: `CREATE ${object.join(' ')} IF NOT EXISTS …`,
      }];
    });
  },
};
