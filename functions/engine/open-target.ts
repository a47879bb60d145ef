// URL → Driver. Drivers are imported lazily so a command pays only for the engine it uses.
import type { Driver } from './drivers/driver.js';
import type { LeaseProvider } from './drivers/lease.js';
import type { TargetUrl } from './target-url.js';

export interface OpenOptions {
  /** Lease store for ClickHouse's migration lock (ClickHouse has no compare-and-set). */
  leases?: LeaseProvider;
}

export async function openDriver(target: TargetUrl, options: OpenOptions = {}): Promise<Driver> {
  if (target.engine === 'clickhouse') {
    const { openClickHouse } = await import('./drivers/clickhouse/index.js');
    return openClickHouse(target, { leases: options.leases });
  }
  const { openPostgres } = await import('./drivers/postgres/index.js');
  return openPostgres(target);
}

/** Opens `target`, runs `fn` and always closes the driver (chdb: one directory per process, so short looks must let go). */
export async function withDriver<T>(target: string | TargetUrl, fn: (driver: Driver) => Promise<T>, options: OpenOptions = {}): Promise<T> {
  const { parseTargetUrl } = await import('./target-url.js');
  return withOpenedDriver(() => openDriver(typeof target === 'string' ? parseTargetUrl(target) : target, options), fn);
}

/** Like withDriver, with the caller's way of opening (e.g. one that retries with fresh credentials). */
export async function withOpenedDriver<T>(open: () => Promise<Driver>, fn: (driver: Driver) => Promise<T>): Promise<T> {
  const driver = await open();
  try {
    return await fn(driver);
  } finally {
    await driver.close();
  }
}
