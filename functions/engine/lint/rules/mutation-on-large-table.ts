// ALTER … UPDATE / DELETE, DELETE FROM, MATERIALIZE, and a MODIFY COLUMN that changes a
// column's type are mutations: ClickHouse rewrites every part of the table in the background,
// and the migration records them done long before they are.
import { parseColumn } from '../ddl.js';
import { identifier, isWord, wordsAt } from '../tokens.js';
import type { Hit, Rule } from '../types.js';
import { alterActions } from './helpers.js';

export const rule: Rule = {
  name: 'mutation-on-large-table',
  severity: 'warning',
  engines: ['clickhouse'],
  summary: 'ALTER … UPDATE/DELETE, DELETE FROM, MATERIALIZE, or a MODIFY COLUMN that changes the type: a mutation that rewrites parts',
  check(m, ctx) {
    const hits: Hit[] = [];
    for (const s of m.statements) {
      if (wordsAt(s.code, 0, ['DELETE', 'FROM'])) hits.push(hit(s, identifier(s.code[2]) ?? 'the table', 'DELETE FROM'));
    }
    for (const { statement, table, action } of alterActions(m)) {
      if (isWord(action[0], 'UPDATE', 'DELETE') || wordsAt(action, 0, ['MATERIALIZE'])) {
        hits.push(hit(statement, table, action[0].value));
      } else if (wordsAt(action, 0, ['MODIFY', 'COLUMN'])) {
        const column = parseColumn(action.slice(wordsAt(action, 2, ['IF', 'EXISTS']) ? 4 : 2));
        if (!column || column.type === '' || isWord(column.rest[0], 'REMOVE')) continue;
        const before = ctx.schemaBefore(statement).get(table)?.columns?.get(column.name);
        if (before !== undefined && before.replace(/\s/g, '') === column.type.replace(/\s/g, '')) continue;
        hits.push(hit(statement, table, `MODIFY COLUMN ${column.name} ${column.type}${before ? ` (was ${before})` : ''}`));
      }
    }
    return hits;
  },
};

function hit(statement: Hit['statement'], table: string, what: string): Hit {
  return {
    statement,
    message: `${what} on ${table} is a mutation: every part of ${table} is rewritten in the background, long after the migration says done`,
    fix: `rebuild into a new table with a backfill and EXCHANGE TABLES (the 0003/0004 pattern), or run it by hand off-peak and watch system.mutations`,
  };
}
