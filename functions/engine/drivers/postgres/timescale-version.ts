// Is TimescaleDB installed on this target? The extension's version ('2.23.0'), or null.
// Detected, never configured: everything TimescaleDB-specific (the refresh strategy, verify of
// hypertables, aggregates and policies) applies only where this says so. Cached per driver.
import type { Executor } from '../driver.js';

const cache = new WeakMap<object, Promise<string | null>>();

export function timescaleVersion(driver: Pick<Executor, 'query'>): Promise<string | null> {
  let version = cache.get(driver);
  if (!version) {
    version = driver
      .query<{ v: string }>("SELECT extversion AS v FROM pg_extension WHERE extname = 'timescaledb'")
      .then((rows) => rows[0]?.v ?? null);
    // A failed probe (connection lost) is not remembered: the next call asks again.
    version.catch(() => cache.delete(driver));
    cache.set(driver, version);
  }
  return version;
}
