// Part of `npm run test:tz` (the time suites again under TZ=America/New_York). The engines'
// own defaults follow the process's zone, so that pass really runs them non-UTC; hourglass's
// sessions are UTC whatever the server says; and a time column without a zone of its own
// reads back as the instant it holds (a range derived from it is not shifted by the offset).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDate } from '../../functions/engine/drivers/clickhouse/backfill-time.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

const processZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
/** 'Etc/UTC', 'UTC' and the like name one zone. */
const zone = (name: string | undefined) => (name && /^(Etc\/)?(UTC|UCT|Universal|Zulu)$/.test(name) ? 'UTC' : name);
const AT = new Date('2024-03-01T00:17:00.000Z');
let server: TestPostgres;
let dir: string;

beforeAll(async () => {
  server = await startTestPostgres();
  dir = mkdtempSync(join(tmpdir(), 'hourglass-tz-'));
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('session time zones', () => {
  it.runIf(!process.env.DATABASE_URL)('the embedded engines default to the process zone', async () => {
    const client = new pg.Client({ connectionString: server.url() });
    await client.connect();
    try {
      expect(zone((await client.query<{ TimeZone: string }>('SHOW TimeZone')).rows[0]?.TimeZone)).toBe(zone(processZone));
    } finally {
      await client.end();
    }
    await withDriver(`chdb:${join(dir, 'zone')}`, async (d) => {
      expect(zone((await d.query<{ z: string }>('SELECT serverTimezone() AS z'))[0]?.z)).toBe(zone(processZone));
    });
  });

  it('ClickHouse: hourglass sessions are UTC and a zone-less DateTime reads back as the instant it holds', async () => {
    await withDriver(`chdb:${join(dir, 'ch')}`, async (d) => {
      expect((await d.query<{ z: string }>('SELECT timezone() AS z'))[0]?.z).toBe('UTC');
      await d.exec('CREATE TABLE src (ts DateTime64(3), s DateTime) ENGINE = MergeTree ORDER BY ts');
      await d.exec('INSERT INTO src SELECT {at}, {at}', { at: AT });
      const [row] = await d.query('SELECT max(ts) AS a, max(s) AS b, toStartOfHour(max(ts)) AS hour FROM src');
      expect([toDate(row?.a), toDate(row?.b), toDate(row?.hour)]).toEqual([AT, AT, new Date('2024-03-01T00:00:00Z')]);
    });
  });

  it('PostgreSQL: hourglass sessions are UTC and a timestamp without time zone reads back as the instant it holds', async () => {
    await withDriver(await server.createDatabase('tz_pg'), async (d) => {
      expect((await d.query<{ TimeZone: string }>('SHOW TimeZone'))[0]?.TimeZone).toBe('UTC');
      await d.exec('CREATE TABLE src (ts timestamp, tz timestamptz)');
      await d.exec('INSERT INTO src VALUES ({a}, {b})', { a: AT, b: AT });
      const [row] = await d.query("SELECT max(ts) AS a, max(tz) AS b, date_trunc('hour', max(ts)) AS hour FROM src");
      expect([toDate(row?.a), toDate(row?.b), toDate(row?.hour)]).toEqual([AT, AT, new Date('2024-03-01T00:00:00Z')]);
    });
  });
});
