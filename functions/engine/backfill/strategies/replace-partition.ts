// `replace-partition` (ClickHouse): every window is exactly one partition of the target
// (checked at plan time), so a group of adjacent windows is a run of whole partitions: one
// INSERT builds the span in a staging table and each partition is swapped in whole (or
// dropped when the span has no rows for it). A window re-run alone or in another group
// replaces the same partition with the same rows. The staging table is named after the
// group's first window (stable across retries of the same group; dropped before and after).
import { UsageError } from '../../errors.js';
import type { BackfillDefinition } from '../definition.js';
import type { BackfillStrategy } from './types.js';

/** A window cut short by the range would still replace its whole partition, wiping the partition's rows outside the range. */
function assertRangeOnGrid(from: Date, to: Date, def: BackfillDefinition): void {
  for (const [bound, at] of [['starts', from], ['ends', to]] as const) {
    if (at.getTime() % def.windowMs !== 0) throw new UsageError(`strategy replace-partition replaces whole partitions, so the range must start and end on the ${def.window} grid, but it ${bound} at ${at.toISOString()} (align --from/--to or the definition's from/to)`);
  }
}

export const replacePartitionStrategy: BackfillStrategy = {
  check: (driver, dialect, def) => dialect.assertPartitionAligned(driver, def),
  checkRange: assertRangeOnGrid,
  run: ({ exec, driver, dialect, def, span, windowKeys }) => dialect.replacePartitions(exec, driver, def, span, windowKeys[0]!),
  statements: async ({ driver, dialect, def, span, windowKeys }) => dialect.replacePartitionsStatements(driver, def, span, windowKeys[0]!),
};
