// A backfill end read from the source (`to: SELECT max(t) + 1µs`) is exclusive: when the source
// keeps microseconds, the end rounds up to the next millisecond, never down, so the rows of
// the latest microseconds are inside the range. (Rounding down lost the newest span of the
// PostgreSQL demo.) The start still rounds down.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillDefinition } from '../../functions/engine/backfill/definition.js';
import { resolveRange } from '../../functions/engine/backfill/range.js';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

let server: TestPostgres;
let dir: string;

beforeAll(async () => {
  server = await startTestPostgres();
  dir = mkdtempSync(join(tmpdir(), 'hourglass-range-precision-'));
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const bounds = (from: string, to: string) => ({ from: { kind: 'query', sql: from }, to: { kind: 'query', sql: to }, windowMs: 3_600_000 }) as unknown as BackfillDefinition;
const range = (driver: Driver, def: BackfillDefinition) => resolveRange(driver, def, undefined, {});

describe('a query bound with microseconds', () => {
  it('PostgreSQL: the end rounds up past the latest row, the start down; both keep exact milliseconds', async () => {
    const url = await server.createDatabase('range_precision');
    await withDriver(parseTargetUrl(url), async (driver) => {
      await driver.exec("CREATE TABLE spans (start_time timestamptz); INSERT INTO spans VALUES ('2024-03-01 10:15:30.123456+00'), ('2024-03-01 02:00:00.000001+00')");
      const r = await range(driver, bounds('SELECT min(start_time) FROM spans', "SELECT max(start_time) + interval '1 microsecond' FROM spans;"));
      expect(r.to.toISOString()).toBe('2024-03-01T10:15:30.124Z');
      expect(r.from?.toISOString()).toBe('2024-03-01T02:00:00.000Z');
      // The row with the latest time is inside [from, to).
      const [inside] = await driver.query<{ n: number }>('SELECT count(*) AS n FROM spans WHERE start_time >= {from} AND start_time < {to}', { from: r.from!, to: r.to });
      expect(inside?.n).toBe(2);
      const exact = await range(driver, bounds('SELECT min(start_time) FROM spans', "SELECT timestamptz '2024-03-01 12:00:00.250+00'"));
      expect(exact.to.toISOString()).toBe('2024-03-01T12:00:00.250Z');
    });
  });

  it('ClickHouse: DateTime64(6) text rounds the same way', async () => {
    await withDriver(parseTargetUrl(`chdb:${join(dir, 'ch')}`), async (driver) => {
      await driver.exec("CREATE TABLE spans (t DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY t");
      await driver.exec("INSERT INTO spans VALUES ('2024-03-01 10:15:30.123456'), ('2024-03-01 02:00:00.000001')");
      const r = await range(driver, bounds('SELECT min(t) FROM spans', 'SELECT max(t) + toIntervalMicrosecond(1) FROM spans'));
      expect(r.to.toISOString()).toBe('2024-03-01T10:15:30.124Z');
      expect(r.from?.toISOString()).toBe('2024-03-01T02:00:00.000Z');
    });
  });
});
