import { applyStatement, cloneSchema, type UniqueKey } from '../schema.js';
import { hypertableCalls } from '../timescale.js';
import { lookup } from '../timescale-schema.js';
import type { Hit, LintStatement, Rule } from '../types.js';

// An error: create_hypertable refuses the table ("cannot create a unique index without the
// column "time" (used in partitioning)", TimescaleDB 2.23), and so does a key added later.

export const rule: Rule = {
  name: 'hypertable-unique-without-time-column',
  severity: 'error',
  engines: ['postgres'],
  summary: 'a PRIMARY KEY or UNIQUE constraint (or unique index) on a hypertable that lacks its partitioning column: create_hypertable fails',
  check(m, ctx) {
    return m.statements.flatMap((s) => {
      const before = ctx.schemaBefore(s);
      const hits: Hit[] = [];
      for (const call of hypertableCalls(s.code)) {
        const table = lookup(before, call.table);
        if (!table || table.shape.hypertable) continue;
        for (const key of table.shape.uniqueKeys ?? []) {
          const missing = lacking(key, call.columns);
          if (missing.length) hits.push(hit(s, table.name, key, missing, `create_hypertable('${call.table}', …) fails`));
        }
      }
      // A key added to a table that is a hypertable already.
      const after = cloneSchema(before);
      applyStatement(after, s.code);
      for (const [name, shape] of after) {
        const was = before.get(name);
        if (!was?.hypertable) continue;
        for (const key of shape.uniqueKeys ?? []) {
          const missing = was.uniqueKeys?.includes(key) ? [] : lacking(key, was.hypertable.columns);
          if (missing.length) hits.push(hit(s, name, key, missing, 'adding it to the hypertable fails'));
        }
      }
      return hits;
    });
  },
};

function lacking(key: UniqueKey, partitioning: string[]): string[] {
  return partitioning.filter((c) => !key.columns.some((k) => k.toLowerCase() === c.toLowerCase()));
}

function hit(s: LintStatement, table: string, key: UniqueKey, missing: string[], outcome: string): Hit {
  const cols = missing.join(', ');
  return {
    statement: s,
    message: `${table} has ${key.text}, which lacks the partitioning column ${cols}: ${outcome} (cannot create a unique index without the column "${missing[0]}" (used in partitioning))`,
    fix: `make the key include ${cols} (${key.text.replace(/\)$/, `, ${cols})`)}), or drop it before create_hypertable and keep uniqueness some other way`,
  };
}
