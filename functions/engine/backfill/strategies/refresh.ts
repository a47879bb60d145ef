// `refresh` (TimescaleDB): CALL refresh_continuous_aggregate over the span. Idempotent by
// nature (a refresh recomputes its buckets from the hypertable, whatever they held), so a
// window run again alone or in any group ends the same. The call cannot run in a transaction
// block: the group runs in a plain session with its limits (outsideTransaction). A group is
// ONE refresh over [first start, last end); its windows cover whole buckets (checked at plan),
// so the span does too.
import { UsageError } from '../../errors.js';
import type { BackfillDefinition } from '../definition.js';
import type { BackfillStrategy } from './types.js';

/** A window cut short by the range would not cover whole buckets: its edge bucket would never be refreshed. */
function assertRangeOnGrid(from: Date, to: Date, def: BackfillDefinition): void {
  for (const [bound, at] of [['starts', from], ['ends', to]] as const) {
    if (at.getTime() % def.windowMs !== 0) throw new UsageError(`strategy refresh refreshes whole buckets, so the range must start and end on the ${def.window} grid, but it ${bound} at ${at.toISOString()} (align --from/--to or the definition's from/to to it)`);
  }
}

export const refreshStrategy: BackfillStrategy = {
  outsideTransaction: true,
  check: (driver, dialect, def) => dialect.assertRefreshable(driver, def),
  checkRange: assertRangeOnGrid,
  run: ({ exec, driver, dialect, def, span }) => dialect.refreshAggregate(exec, driver, def, span),
  statements: async ({ driver, dialect, def, span }) => [await dialect.refreshAggregateStatement(driver, def, span)],
};
