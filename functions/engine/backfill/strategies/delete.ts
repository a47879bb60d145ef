// `delete`: remove the span's rows from the target, then one INSERT … SELECT over the whole
// span (PostgreSQL: both in the group's one transaction). The span is rebuilt from the
// source whatever rows it held, so a window run again alone or in any group ends the same.
import { windowParams } from '../../drivers/window-range.js';
import type { BackfillStrategy } from './types.js';

export const deleteStrategy: BackfillStrategy = {
  async check() {},
  async run({ exec, driver, dialect, def, span, knownEmpty }) {
    await dialect.deleteRange(exec, driver, def, span, knownEmpty);
    await exec.exec(def.statement, windowParams(span));
  },
  async statements({ driver, dialect, def, span }) {
    return [{ ...dialect.deleteRangeStatement(driver, def), params: windowParams(span) }, { sql: def.statement, params: windowParams(span) }];
  },
};
