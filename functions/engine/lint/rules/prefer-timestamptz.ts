import { addedColumn, parseAlterTable, parseColumn, parseCreateTable, type Column } from '../ddl.js';
import { wordsAt } from '../tokens.js';
import type { Hit, Rule } from '../types.js';

const TIMESTAMP = /^timestamp(\(\d+\))?( without time zone)?(\[\])?$/i;

export const rule: Rule = {
  name: 'prefer-timestamptz',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'timestamp (without time zone) drops the UTC offset of what is stored',
  check(m) {
    const hits: Hit[] = [];
    for (const s of m.statements) {
      const columns: Column[] = [...(parseCreateTable(s.code)?.columns ?? [])];
      for (const action of parseAlterTable(s.code)?.actions ?? []) {
        const added = addedColumn(action);
        if (added) columns.push(added);
        const at = wordsAt(action, 0, ['ALTER', 'COLUMN']) ? 2 : 1;
        if (wordsAt(action, 0, ['ALTER']) && wordsAt(action, at + 1, ['TYPE']))
          columns.push(parseColumn([action[at], ...action.slice(at + 2)]) ?? { name: '', type: '', rest: [] });
        if (wordsAt(action, 0, ['ALTER']) && wordsAt(action, at + 1, ['SET', 'DATA', 'TYPE']))
          columns.push(parseColumn([action[at], ...action.slice(at + 4)]) ?? { name: '', type: '', rest: [] });
      }
      for (const c of columns) {
        if (!TIMESTAMP.test(c.type)) continue;
        hits.push({ statement: s, message: `column ${c.name} is ${c.type}: the UTC offset of stored times is dropped`, fix: `declare ${c.name} timestamptz` });
      }
    }
    return hits;
  },
};
