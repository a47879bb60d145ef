import { droppedTables } from '../ddl.js';
import type { Rule } from '../types.js';

export const rule: Rule = {
  name: 'drop-table',
  severity: 'warning',
  engines: ['clickhouse'],
  summary: 'DROP TABLE loses the data; nothing in a migration can bring it back',
  check(m) {
    return m.statements.flatMap((s) => {
      const tables = droppedTables(s.code);
      return tables.length === 0 ? [] : [{
        statement: s,
        message: `dropping ${tables.join(', ')} loses its data for good`,
        fix: 'keep the table until its replacement has proven itself (RENAME it aside first), then drop it with `-- hourglass:allow drop-table <reason>`',
      }];
    });
  },
};
