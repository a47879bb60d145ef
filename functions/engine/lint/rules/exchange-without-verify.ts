// The rebuild pattern swaps a table only after its backfill has been checked. "The same plan"
// is the migration set in version order, as apply runs it:
//   - an earlier migration must have a backfill whose `target:` is one of the two tables, and
//     that backfill must be verifiable (a `source-count:` for per-window counts, or a verify
//     file) — otherwise nothing ever checks the rebuilt table before the swap;
//   - that migration must not be pending together with the swap: apply runs pending migrations
//     back to back, so the swap would happen before the backfill could fill the table. Apply
//     the backfill's migration, run its backfill (which verifies), then apply the swap.
//     Unless the live table is itself created in the same apply (a fresh install): then both
//     tables start empty and there is no history to backfill.
// Offline (`lint --all` or versions), what is pending is not known and only the first holds.
import { exchangedTables, parseCreateTable } from '../ddl.js';
import type { Hit, LintPlan, Rule } from '../types.js';

/** The version of the last migration before `before` that creates `table`. */
function createdBy(plan: LintPlan, table: string, before: number): number | undefined {
  let version: number | undefined;
  for (const m of plan.migrations) {
    if (m.version >= before) break;
    if (m.statements.some((s) => parseCreateTable(s.code)?.name === table)) version = m.version;
  }
  return version;
}

export const rule: Rule = {
  name: 'exchange-without-verify',
  severity: 'error',
  engines: ['clickhouse'],
  summary: 'EXCHANGE TABLES not preceded by a verified backfill of one of the tables, applied (and backfilled) before the swap',
  check(m, ctx) {
    const hits: Hit[] = [];
    for (const s of m.statements) {
      const tables = exchangedTables(s.code);
      if (!tables) continue;
      const backfill = ctx.plan.migrations.filter((b) => b.version < m.version && b.backfillTarget !== undefined && tables.includes(b.backfillTarget)).pop();
      const swap = `EXCHANGE TABLES ${tables[0]} AND ${tables[1]}`;
      if (!backfill || !backfill.backfillVerified) {
        hits.push({
          statement: s,
          message: backfill ? `${swap}: the backfill of migration ${backfill.version} into ${backfill.backfillTarget} has no source-count, so nothing verifies it before the swap` : `${swap}: no earlier migration backfills ${tables.join(' or ')}, so nothing verifies the table before the swap`,
          fix: 'fill the new table with a .backfill.sql in an earlier migration, with `-- source-count:` so every window is checked, and swap only after it ran',
        });
      } else if (ctx.plan.pending?.has(backfill.version) && !ctx.plan.pending.has(createdBy(ctx.plan, tables.find((t) => t !== backfill.backfillTarget) ?? '', m.version) ?? -1)) {
        hits.push({
          statement: s,
          message: `${swap} would run in the same apply as migration ${backfill.version}, before its backfill into ${backfill.backfillTarget} has run and been verified`,
          fix: `apply up to ${backfill.version} (apply --to ${backfill.version}), run \`hourglass backfill ${backfill.version}\`, then apply the swap`,
        });
      }
    }
    return hits;
  },
};
