import { continuousAggregate, isRefreshCall } from '../timescale.js';
import type { Rule } from '../types.js';

// One rule for both ways a migration refreshes a continuous aggregate: CALL
// refresh_continuous_aggregate, and creating one WITH DATA (TimescaleDB refreshes it on
// creation). Both are refused inside a transaction block ("refresh_continuous_aggregate() cannot
// run inside a transaction block", "CREATE MATERIALIZED VIEW ... WITH DATA cannot run inside a
// transaction block", TimescaleDB 2.23). An error, so apply refuses the migration before any
// statement runs instead of starting it and failing there.

export const rule: Rule = {
  name: 'refresh-in-transaction',
  severity: 'error',
  engines: ['postgres'],
  summary: 'CALL refresh_continuous_aggregate, or a continuous aggregate WITH DATA, in a migration that runs in a transaction (no `-- hourglass:no-transaction`): TimescaleDB refuses it',
  check(m) {
    if (m.noTransaction) return [];
    return m.statements.flatMap((s) => {
      if (isRefreshCall(s.code)) {
        return [{
          statement: s,
          message: 'refresh_continuous_aggregate() cannot run inside a transaction block, and this migration runs in one',
          fix: 'put `-- hourglass:no-transaction` on the first line of the migration (PostgreSQL then runs it statement by statement), or refresh window by window in a .backfill.sql with -- strategy: refresh',
        }];
      }
      const view = continuousAggregate(s.code);
      if (!view?.withData) return [];
      return [{
        statement: s,
        message: `continuous aggregate ${view.name} is created WITH DATA (no WITH NO DATA), which refreshes it and cannot run inside a transaction block, and this migration runs in one`,
        fix: `end the view with WITH NO DATA and fill it with a -- strategy: refresh backfill, or put \`-- hourglass:no-transaction\` on the first line of the migration`,
      }];
    });
  },
};
