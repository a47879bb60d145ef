// The grouped count of a statement's windows (counts.ts) puts every row in its window exactly,
// on both engines and for every time type: rows on a window's first microsecond, on its last,
// and just either side of the span. PostgreSQL buckets rows with date_bin (cheap per row) and
// turns each bucket into the window index once; a `timestamp` without time zone must land
// where the same instant in UTC does, whatever the server's zone (this file runs under
// TZ=America/New_York too, in npm run test:tz).
import { describe, expect, it } from 'vitest';
import { groupedCounts } from '../../functions/engine/backfill/counts.js';
import type { BackfillDefinition } from '../../functions/engine/backfill/definition.js';
import { backfillDialect } from '../../functions/engine/drivers/backfill-dialect.js';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { HOUR, postgresForFile, tempDir, withTarget } from './support.js';

const pg = postgresForFile();
const START = Date.parse('2024-03-01T05:00:00Z');
const WINDOWS = [0, 1, 2].map((i) => ({ start: new Date(START + i * HOUR), end: new Date(START + (i + 1) * HOUR) }));
const SPAN = { start: WINDOWS[0]!.start, end: WINDOWS[2]!.end };

/** Rows (as UTC text with microseconds) and the window each belongs to (-1: outside the span). */
const ROWS: Array<[string, number]> = [
  ['2024-03-01 04:59:59.999999', -1],
  ['2024-03-01 05:00:00.000000', 0],
  ['2024-03-01 05:59:59.999999', 0],
  ['2024-03-01 06:00:00.000000', 1],
  ['2024-03-01 06:30:00.123456', 1],
  ['2024-03-01 06:59:59.999999', 1],
  ['2024-03-01 07:00:00.000001', 2],
  ['2024-03-01 07:59:59.999999', 2],
  ['2024-03-01 08:00:00.000000', -1],
];
const expected = [0, 1, 2].map((i) => ROWS.filter(([, w]) => w === i).length);

function def(target: string, timeColumn: string, sourceCount?: string): BackfillDefinition {
  return { windowMs: HOUR, window: '1h', target, timeColumn, from: { kind: 'query', sql: '' }, to: { kind: 'query', sql: '' }, strategy: 'delete', statement: '', ...(sourceCount ? { sourceCount } : {}) } as BackfillDefinition;
}

async function countsOf(driver: Driver, d: BackfillDefinition) {
  return groupedCounts(driver, driver, backfillDialect(driver), d, SPAN, WINDOWS);
}

describe('grouped window counts', () => {
  it('PostgreSQL: timestamptz, timestamp and date_bin bucketing agree with the window grid', async () => {
    const url = await pg.createDatabase('window_counts');
    await withTarget(url, async (driver) => {
      await driver.exec('CREATE TABLE t (tz timestamptz NOT NULL, plain timestamp NOT NULL)');
      for (const [text] of ROWS) await driver.exec('INSERT INTO t VALUES ({at}::timestamptz, ({at}::timestamptz AT TIME ZONE \'UTC\'))', { at: `${text}+00` });
      for (const column of ['tz', 'plain']) {
        const counts = await countsOf(driver, def('t', column, `SELECT count(*) FROM t WHERE ${column} >= {window_start} AND ${column} < {window_end}`));
        expect(counts, column).toEqual(expected.map((n) => ({ rows: n, sourceRows: n })));
      }
    });
  });

  it('ClickHouse: DateTime64(6) rows on the same grid', async () => {
    await withTarget(`chdb:${tempDir('counts-ch')}/clickhouse`, async (driver) => {
      await driver.exec("CREATE TABLE t (ts DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY ts");
      for (const [text] of ROWS) await driver.exec(`INSERT INTO t VALUES ('${text}')`);
      const counts = await countsOf(driver, def('t', 'ts', 'SELECT count() FROM t WHERE ts >= {window_start} AND ts < {window_end}'));
      expect(counts).toEqual(expected.map((n) => ({ rows: n, sourceRows: n })));
    });
  });
});
