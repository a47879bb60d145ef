import { parseAlterTable, parseCreateTable } from '../ddl.js';
import { hypertableCalls } from '../timescale.js';
import { lookup } from '../timescale-schema.js';
import { isWord, qualifiedName } from '../tokens.js';
import type { Hit, LintStatement, Rule } from '../types.js';

// Both orders: a foreign key created to a hypertable, and create_hypertable on a table that
// foreign keys reference already. TimescaleDB 2.16+ accepts both, but on 2.23 drop_chunks
// removed a referenced row and left the referencing one in place (checked here): retention
// breaks the constraint silently.

export const rule: Rule = {
  name: 'foreign-key-to-hypertable',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'a FOREIGN KEY / REFERENCES to a hypertable (or create_hypertable on a referenced table): retention drops referenced rows unchecked; refused before TimescaleDB 2.16',
  check(m, ctx) {
    return m.statements.flatMap((s) => {
      const before = ctx.schemaBefore(s);
      const hits: Hit[] = [];
      const from = parseCreateTable(s.code)?.name ?? parseAlterTable(s.code)?.name;
      if (from !== undefined) {
        s.code.forEach((t, i) => {
          const to = isWord(t, 'REFERENCES') ? qualifiedName(s.code, i + 1)?.name : undefined;
          const target = to === undefined ? undefined : lookup(before, to);
          if (target?.shape.hypertable) hits.push(hit(s, from, target.name));
        });
      }
      for (const call of hypertableCalls(s.code)) {
        const table = lookup(before, call.table);
        if (!table || table.shape.hypertable) continue;
        for (const [name, shape] of before) {
          if (name !== table.name && shape.references?.some((r) => r.toLowerCase() === table.name.toLowerCase())) hits.push(hit(s, name, table.name));
        }
      }
      return hits;
    });
  },
};

function hit(s: LintStatement, from: string, to: string): Hit {
  return {
    statement: s,
    message: `foreign key from ${from} to hypertable ${to}: retention and drop_chunks drop rows of ${to} without checking it (the rows of ${from} pointing at them stay, orphaned), every write to ${from} looks the key up across the chunks of ${to}, and TimescaleDB before 2.16 refuses it`,
    fix: `reference a plain table instead (keep the rows ${from} points to in a regular table), or drop the foreign key and check the reference in the application`,
  };
}
