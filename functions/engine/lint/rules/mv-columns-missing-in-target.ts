// A view's SELECT writes, by name, into its TO table. A name the table lacks fails every insert
// into the source (recent ClickHouse refuses the view; older servers created it and then broke
// inserts — the NodeMetrics case of seed 002). The table's columns are those the earlier
// statements produce (schema.ts); a table no earlier migration creates is not judged.
import { parseMaterializedView, selectList } from '../ddl.js';
import type { Hit, Rule } from '../types.js';

export const rule: Rule = {
  name: 'mv-columns-missing-in-target',
  severity: 'error',
  engines: ['clickhouse'],
  summary: "a materialized view's SELECT names columns its TO table does not have (from the schema the earlier migrations produce)",
  check(m, ctx) {
    const hits: Hit[] = [];
    for (const s of m.statements) {
      const view = parseMaterializedView(s.code);
      if (!view?.to || view.select === -1) continue;
      const schema = ctx.schemaBefore(s);
      const target = schema.get(view.to)?.columns;
      if (!target) continue;
      const list = selectList(s.code, view.select);
      const missing: string[] = [];
      for (const output of list.outputs) {
        if (output.name === '*') {
          const source = list.from ? schema.get(list.from)?.columns : undefined;
          for (const name of source?.keys() ?? []) if (!target.has(name)) missing.push(name);
        } else if (output.name === null) {
          missing.push(`${output.text} (unnamed)`);
        } else if (!target.has(output.name)) {
          missing.push(output.name);
        }
      }
      if (missing.length === 0) continue;
      hits.push({
        statement: s,
        message: `view ${view.name} writes ${missing.join(', ')} into ${view.to}, which has no such column${missing.length > 1 ? 's' : ''}`,
        fix: `add the column${missing.length > 1 ? 's' : ''} to ${view.to} in an earlier statement (ALTER TABLE ${view.to} ADD COLUMN IF NOT EXISTS …), or alias the SELECT to ${view.to}'s names`,
      });
    }
    return hits;
  },
};
