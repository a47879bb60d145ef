// `dedup-token` (ClickHouse): every window's INSERT carries insert_deduplication_token
// `hourglass:<version>:<window start>`, and the target drops a repeat of it.
//
// Grouping: the token stays per window, so a group runs ONE INSERT PER WINDOW (same
// statement, the window's own bounds and token), not one INSERT over the span. A token
// covers one INSERT's blocks: an insert over a span would carry a span token (a window re-run
// alone, or in a group cut differently, would carry another one and be inserted twice), and
// its blocks do not line up with windows. What the group still shares is one claim round,
// one limits scope, one count query and one duration estimate.
import { windowParams } from '../../drivers/window-range.js';
import type { BackfillStrategy } from './types.js';

const tokenOf = (windowKey: string) => `hourglass:${windowKey}`;

export const dedupTokenStrategy: BackfillStrategy = {
  check: (driver, dialect, def) => dialect.assertDeduplicatingTarget(driver, def),
  async run({ exec, dialect, def, windows, windowKeys }) {
    for (let i = 0; i < windows.length; i++) await dialect.insertOnce(exec, def.statement, windowParams(windows[i]!), tokenOf(windowKeys[i]!));
  },
  async statements({ dialect, def, windows, windowKeys }) {
    return windows.map((w, i) => ({ sql: dialect.insertOnceStatement(def.statement, tokenOf(windowKeys[i]!)), params: windowParams(w) }));
  },
};
