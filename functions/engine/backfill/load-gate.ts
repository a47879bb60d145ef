// The database-load valve: a backfill's `-- max-load: <SQL> <= <threshold>`. Before each
// window's statement the gate runs the SQL on the target; above the threshold it waits with
// backoff (no window is claimed meanwhile) and the run record shows "throttled by load".
import type { Driver } from '../drivers/driver.js';
import type { RunStore } from '../state/run-store.js';
import type { MaxLoad } from './definition.js';

export interface LoadGateOptions {
  firstWaitMs?: number;
  maxWaitMs?: number;
  /** Asked before each wait (valve.ts ValveOptions.giveUp): true stops waiting, and the gate answers false. */
  giveUp?: (waitMs: number) => boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads the load: the first column of the first row, as a number. */
async function readLoad(driver: Driver, sql: string): Promise<number> {
  const row = (await driver.query(sql))[0];
  const value = row === undefined ? NaN : Number(Object.values(row)[0]);
  return value;
}

/** The gate: resolves true once the load is at or below the threshold, false when it gave up waiting. */
export function loadGate(driver: Driver, runs: Pick<RunStore, 'setWaiting'>, runId: string, max: MaxLoad, opts: LoadGateOptions = {}): () => Promise<boolean> {
  const first = opts.firstWaitMs ?? 250;
  const cap = opts.maxWaitMs ?? 10_000;
  return async () => {
    let wait = first;
    let shown = false;
    for (;;) {
      const load = await readLoad(driver, max.sql);
      // A query that returns no number cannot prove the load is low: that counts as above.
      if (Number.isFinite(load) && load <= max.threshold) break;
      if (opts.giveUp?.(wait)) {
        // The next invocation waits again, and shows it again.
        if (shown) await runs.setWaiting(runId, null);
        return false;
      }
      if (!shown) await runs.setWaiting(runId, { reason: 'throttled by load', load: Number.isFinite(load) ? load : null, threshold: max.threshold, since: new Date().toISOString() });
      shown = true;
      await sleep(wait);
      wait = Math.min(cap, wait * 2);
    }
    if (shown) await runs.setWaiting(runId, null);
    return true;
  };
}
