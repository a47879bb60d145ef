// The definition of a refresh backfill: its statement is exactly the CALL (the strategy runs
// the call itself, with typed bounds, so anything else would be dropped silently), and its
// target is the aggregate that CALL names (its buckets are the window counts).
import { describe, expect, it } from 'vitest';
import { parseBackfillDefinition } from '../../functions/engine/backfill/definition.js';

const header = '-- strategy: refresh\n-- time-column: bucket\n-- from: 2024-03-01T00:00:00Z\n-- to: 2024-03-02T00:00:00Z\n';
const parse = (text: string) => parseBackfillDefinition(text, { version: 2, name: 'hourly' });

describe('refresh definition', () => {
  it.each([
    "CALL refresh_continuous_aggregate('llm_metrics_hourly', {window_start}, {window_end});",
    "call refresh_continuous_aggregate( 'public.llm_metrics_hourly'::regclass , {window_start}::timestamptz, {window_end}::timestamptz )",
  ])('takes the target from the CALL: %s', (statement) => {
    const def = parse(`${header}${statement}\n`);
    expect(def).toMatchObject({ strategy: 'refresh', timeColumn: 'bucket' });
    expect(def.target).toMatch(/^(public\.)?llm_metrics_hourly$/);
  });

  it.each([
    ["INSERT INTO llm_metrics_hourly SELECT 1 WHERE {window_start} < {window_end}", /strategy refresh needs the statement CALL refresh_continuous_aggregate\('<view>', \{window_start\}, \{window_end\}\)/],
    ["CALL refresh_continuous_aggregate('v', {window_start}, {window_end}); DELETE FROM v", /strategy refresh needs the statement/],
    ["CALL refresh_continuous_aggregate('v', '2024-03-01', {window_end})", /^0002_hourly\.backfill\.sql: /],
  ])('refuses another statement: %s', (statement, message) => {
    expect(() => parse(`${header}${statement}\n`)).toThrow(message);
  });

  it('refuses a target other than the refreshed aggregate', () => {
    expect(() => parse(`${header}-- target: llm_metrics\nCALL refresh_continuous_aggregate('llm_metrics_hourly', {window_start}, {window_end});\n`)).toThrow(/target must be llm_metrics_hourly \(or left out\), not llm_metrics/);
  });
});
