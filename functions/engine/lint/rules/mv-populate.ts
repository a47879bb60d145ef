import { parseMaterializedView } from '../ddl.js';
import type { Rule } from '../types.js';

export const rule: Rule = {
  name: 'mv-populate',
  severity: 'error',
  engines: ['clickhouse'],
  summary: 'CREATE MATERIALIZED VIEW … POPULATE misses rows inserted while it populates',
  check(m) {
    return m.statements.flatMap((s) => {
      const view = parseMaterializedView(s.code);
      if (!view?.populate) return [];
      return [{
        statement: s,
        message: `materialized view ${view.name} uses POPULATE: rows inserted while it populates are lost, and it runs again wherever the migration is replayed`,
        fix: `create ${view.name} with TO <table> and no POPULATE, taking rows from {cutover} on (WHERE time >= {cutover}), and fill the history with a .backfill.sql (to: cutover)`,
      }];
    });
  },
};
