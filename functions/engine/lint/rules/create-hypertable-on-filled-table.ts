import { hypertableCalls } from '../timescale.js';
import { lookup } from '../timescale-schema.js';
import type { Hit, Rule } from '../types.js';

// A warning either way: without migrate_data the call fails ('table "t" is not empty') and the
// migration rolls back; with it, the call succeeds but copies every row into chunks under an
// exclusive lock, inside the migration.

export const rule: Rule = {
  name: 'create-hypertable-on-filled-table',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'create_hypertable on a table that earlier statements INSERT or COPY into: fails without `migrate_data => true`, locks and rewrites with it',
  check(m, ctx) {
    return m.statements.flatMap((s) => {
      const hits: Hit[] = [];
      for (const call of hypertableCalls(s.code)) {
        const table = lookup(ctx.schemaBefore(s), call.table);
        const filledAt = table?.shape.hypertable ? undefined : table?.shape.filledAt;
        if (!table || filledAt === undefined) continue;
        hits.push(call.migrateData ? {
          statement: s,
          message: `create_hypertable('${call.table}', …, migrate_data => true) moves every row of ${table.name} (rows go in at ${filledAt}) into chunks inside the migration, holding an exclusive lock on ${table.name} until it is done`,
          fix: `on a large table: create a new hypertable, fill it with a .backfill.sql window by window, then swap the names; on a small one, allow it with a reason (-- hourglass:allow create-hypertable-on-filled-table <why>)`,
        } : {
          statement: s,
          message: `${table.name} already has rows (put in at ${filledAt}), and create_hypertable without migrate_data => true fails on a table that is not empty`,
          fix: `call create_hypertable before any rows go in, or pass migrate_data => true (it locks ${table.name} and rewrites every row into chunks)`,
        });
      }
      return hits;
    });
  },
};
