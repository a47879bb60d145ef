import { continuousAggregate } from '../timescale.js';
import type { Rule } from '../types.js';

export const rule: Rule = {
  name: 'continuous-aggregate-with-data',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'a continuous aggregate without `WITH NO DATA` (the default is WITH DATA) materializes the whole history inside the migration',
  check(m) {
    return m.statements.flatMap((s) => {
      const view = continuousAggregate(s.code);
      if (!view?.withData) return [];
      return [{
        statement: s,
        message: `continuous aggregate ${view.name} has no WITH NO DATA, so creating it materializes the whole history${view.source ? ` of ${view.source}` : ''} inside the migration, in one statement`,
        fix: `end the view with WITH NO DATA and fill it with a .backfill.sql: -- strategy: refresh, CALL refresh_continuous_aggregate('${view.name}', {window_start}, {window_end})`,
      }];
    });
  },
};
