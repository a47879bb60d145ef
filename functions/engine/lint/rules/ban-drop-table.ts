import { droppedTables } from '../ddl.js';
import type { Rule } from '../types.js';

export const rule: Rule = {
  name: 'ban-drop-table',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'DROP TABLE loses data and breaks clients still using the table',
  check(m) {
    return m.statements.flatMap((s) => {
      const tables = droppedTables(s.code);
      return tables.length === 0 ? [] : [{
        statement: s,
        message: `dropping ${tables.join(', ')} loses the data and breaks clients that still use it`,
        fix: 'move every client off the table first; if it must go, say why with `-- hourglass:allow ban-drop-table <reason>`',
      }];
    });
  },
};
