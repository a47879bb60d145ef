// Every TimescaleDB rule fires on its positive case and stays silent on the safe rewrite; none
// fires on plain PostgreSQL; intervals compare only when the answer is certain.
import { describe, expect, it } from 'vitest';
import { RULES } from '../../functions/engine/lint/index.js';
import { definitelyShorter, parseInterval, spanOf } from '../../functions/engine/lint/interval.js';
import { tokenize, codeTokens } from '../../functions/engine/sql/lexer.js';
import { lintFiles, ruleFindings } from './support.js';
import { TIMESCALE_CASES } from './timescale-cases.js';

const TIMESCALE_RULES = ['hypertable-unique-without-time-column', 'create-hypertable-on-filled-table', 'continuous-aggregate-with-data',
  'retention-before-aggregation', 'refresh-in-transaction', 'foreign-key-to-hypertable'];

describe('timescale rules', () => {
  it('are registered, PostgreSQL only, each with a case', () => {
    for (const name of TIMESCALE_RULES) {
      const rule = RULES.find((r) => r.name === name);
      expect(rule?.engines, name).toEqual(['postgres']);
      expect(TIMESCALE_CASES.some((c) => c.rule === name), name).toBe(true);
    }
    expect(RULES.find((r) => r.name === 'hypertable-unique-without-time-column')?.severity).toBe('error');
    expect(RULES.find((r) => r.name === 'retention-before-aggregation')?.severity).toBe('error');
    expect(RULES.find((r) => r.name === 'refresh-in-transaction')?.severity).toBe('error');
  });

  it.each(TIMESCALE_CASES.map((c, i) => [`${c.rule} #${i}`, c] as const))('%s fires on the positive case, silent on the safe one', async (_n, c) => {
    const fired = await ruleFindings('postgres', c, 'positive');
    expect(fired.length, JSON.stringify(c.positive)).toBeGreaterThan(0);
    for (const f of fired) {
      expect(f.message.length).toBeGreaterThan(0);
      expect(f.fix.length).toBeGreaterThan(0);
      expect(Object.keys(c.positive)).toContain(f.file);
    }
    expect(await ruleFindings('postgres', c, 'safe')).toEqual([]);
  });

  it('the seed: create_hypertable on id UUID PRIMARY KEY names the key, the column and the fix', async () => {
    const [f] = await ruleFindings('postgres', TIMESCALE_CASES[0], 'positive');
    expect(f).toMatchObject({ rule: 'hypertable-unique-without-time-column', severity: 'error', version: 2, line: 1, statement: "SELECT create_hypertable('traces', 'start_time')" });
    expect(f.message).toBe('traces has PRIMARY KEY (id), which lacks the partitioning column start_time: create_hypertable(\'traces\', …) fails (cannot create a unique index without the column "start_time" (used in partitioning))');
    expect(f.fix).toBe('make the key include start_time (PRIMARY KEY (id, start_time)), or drop it before create_hypertable and keep uniqueness some other way');
  });

  it('retention-before-aggregation names both policies and where the earlier one is', async () => {
    const c = TIMESCALE_CASES.find((x) => x.rule === 'retention-before-aggregation' && '0003_policy.up.sql' in x.positive)!;
    const [f] = await ruleFindings('postgres', c, 'positive');
    expect(f.message).toBe("retention on metrics drops raw rows older than '7d'::interval (0002_views.up.sql:5), but the refresh policy of hourly reaches back INTERVAL '1 month': rows are dropped before they are aggregated");
  });

  it('a plain PostgreSQL set (keys, foreign keys, INSERT, COPY, a materialized view WITH DATA, CALL) gets none of them', async () => {
    const findings = await lintFiles('postgres', {
      '0001_t.up.sql': [
        'CREATE TABLE accounts (id uuid PRIMARY KEY, created timestamptz NOT NULL, name text UNIQUE);',
        'CREATE TABLE orders (id bigint PRIMARY KEY, account uuid REFERENCES accounts (id), at timestamptz NOT NULL);',
        "INSERT INTO accounts VALUES (gen_random_uuid(), now(), 'a');",
        "COPY orders FROM '/data/orders.csv';",
        "CREATE MATERIALIZED VIEW daily AS SELECT date_trunc('day', at) AS day, count(*) FROM orders GROUP BY 1 WITH DATA;",
        "CALL refresh_daily('2024-01-01');",
        'REFRESH MATERIALIZED VIEW daily;',
        '',
      ].join('\n'),
    });
    expect(findings.filter((f) => TIMESCALE_RULES.includes(f.rule))).toEqual([]);
  });

  it('none of them runs on ClickHouse', async () => {
    const findings = await lintFiles('clickhouse', { '0001_t.up.sql': "CREATE TABLE IF NOT EXISTS t (id UUID, time DateTime) ENGINE = MergeTree ORDER BY id;\nSELECT create_hypertable('t', 'time');\n" });
    expect(findings.filter((f) => TIMESCALE_RULES.includes(f.rule))).toEqual([]);
  });
});

describe('intervals', () => {
  const span = (sql: string) => spanOf(codeTokens(tokenize(sql, 'postgres')));

  it('reads the spellings PostgreSQL reads', () => {
    const seconds = (text: string) => parseInterval(text)?.min;
    expect(seconds('30 days')).toBe(30 * 86400);
    expect(seconds('1 hour')).toBe(3600);
    expect(seconds('7d')).toBe(7 * 86400);
    expect(seconds('30m')).toBe(1800); // minutes, as PostgreSQL reads it
    expect(seconds('1 hour 30 minutes')).toBe(5400);
    expect(seconds('1 day 02:00:00')).toBe(93600);
    expect(seconds('2 hrs')).toBe(7200);
    expect(seconds('@ 2w')).toBe(14 * 86400);
    expect(parseInterval('1 month')).toEqual({ kind: 'time', min: 28 * 86400, max: 31 * 86400 });
    expect(parseInterval('1 year')).toEqual({ kind: 'time', min: 365 * 86400, max: 366 * 86400 });
  });

  it('says nothing about what it cannot read', () => {
    for (const text of ['1 day ago', '-1 day', 'P1D', 'forever', '', '1 fortnight']) expect(parseInterval(text), text).toBeUndefined();
    expect(span("make_interval(days => 7)")).toBeUndefined();
    expect(span("now() - INTERVAL '1 day'")).toBeUndefined();
  });

  it('reads argument forms, and compares only what is certain', () => {
    expect(span("INTERVAL '7 days'")).toEqual(span("'7d'::interval"));
    expect(span("CAST('7 days' AS interval)")).toEqual(span("'1 week'"));
    expect(span('NULL')).toEqual({ kind: 'unbounded' });
    expect(span('1000')).toEqual({ kind: 'integer', value: 1000 });
    const [week, month, days30, days40] = ["INTERVAL '7 days'", "INTERVAL '1 month'", "INTERVAL '30 days'", "INTERVAL '40 days'"].map((s) => span(s)!);
    expect(definitelyShorter(week, month)).toBe(true);
    expect(definitelyShorter(month, days40)).toBe(true);
    expect(definitelyShorter(month, days30)).toBe(false);
    expect(definitelyShorter(days30, month)).toBe(false);
    expect(definitelyShorter(week, week)).toBe(false);
    expect(definitelyShorter(week, { kind: 'unbounded' })).toBe(true);
    expect(definitelyShorter({ kind: 'integer', value: 10 }, week)).toBe(false);
  });
});
