import { wordsAt } from '../tokens.js';
import type { Rule } from '../types.js';
import { alterActions } from './helpers.js';

export const rule: Rule = {
  name: 'order-by-change',
  severity: 'warning',
  engines: ['clickhouse'],
  summary: 'ALTER … MODIFY ORDER BY: only columns added in the same ALTER may be appended; anything else needs a rebuild',
  check(m) {
    return alterActions(m).flatMap(({ statement, table, action }) => (wordsAt(action, 0, ['MODIFY', 'ORDER', 'BY']) ? [{
      statement,
      message: `the sorting key of ${table} changes: ClickHouse only allows appending columns added in the same ALTER, and existing parts keep the old order`,
      fix: `create ${table}_new with the new ORDER BY, backfill it, verify, then EXCHANGE TABLES ${table} AND ${table}_new`,
    }] : []));
  },
};
