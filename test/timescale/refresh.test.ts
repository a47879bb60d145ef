// Backfill strategy `refresh` on a real embedded TimescaleDB, through the CLI: 48 hourly
// windows of CALL refresh_continuous_aggregate leave the continuous aggregate equal, bucket
// for bucket, to the direct time_bucket aggregate of the hypertable over the range (and
// nothing outside it); run again, hourly or grouped with failures bisected, it ends the same.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOUR, cleanupTempDirs, cli, cliJson, iso, windowsOf, withTarget } from '../backfill/support.js';
import { RANGE_END, RANGE_START, aggregateRows, directRows, insertMetrics, timescaleWorkspace, type TimescaleWorkspace } from './support.js';

/**
 * PGlite admits one client at a time, and the PostgreSQL driver opens an extra session for a
 * window that overlaps another (concurrency > 1), which would wait for the first to close:
 * one window at a time here (ts-core's single-session driver lifts this).
 */
const ONE_SESSION = ['--concurrency', '1'];

let ws: TimescaleWorkspace | undefined;
afterEach(async () => {
  await ws?.server.close();
  ws = undefined;
  cleanupTempDirs();
});

/** Applied fixtures, with metrics over the range and an hour either side of it. */
async function filled(): Promise<TimescaleWorkspace> {
  ws = await timescaleWorkspace('ts-refresh');
  const applied = await cli(ws, ['apply']);
  expect(applied.code, applied.stderr).toBe(0);
  expect(await insertMetrics(ws.url, RANGE_START - HOUR, RANGE_END + HOUR)).toBe(50 * 12 * 3);
  return ws;
}

describe('strategy refresh', () => {
  it('48 hourly windows equal the direct time_bucket aggregate, bucket for bucket, and a second run changes nothing', async () => {
    const w = await filled();
    expect(await aggregateRows(w.url)).toEqual([]); // WITH NO DATA

    const started = Date.now();
    const r = await cliJson(w, ['backfill', '2', ...ONE_SESSION, '--statement-target', '0']);
    const elapsed = Date.now() - started;
    expect(r.json, r.stderr).toMatchObject({ status: 'succeeded', windows: { total: 48, succeeded: 48, failed: 0 }, rows: 48 * 3 });
    expect(r.code).toBe(0);
    process.stderr.write(`[measure] refresh backfill of 48 hourly windows, one statement each: ${elapsed} ms in the CLI (${(elapsed / 48).toFixed(1)} ms per window with process start)\n`);

    const direct = await directRows(w.url, RANGE_START, RANGE_END);
    expect(direct).toHaveLength(48 * 3);
    expect(await aggregateRows(w.url)).toEqual(direct);

    // Per-window counts: the aggregate's buckets in the window; source-count (models in the hour) agrees.
    const windows = await windowsOf(w, r.json.runId);
    expect(windows).toHaveLength(48);
    for (const win of windows) expect(win).toMatchObject({ status: 'succeeded', rows: 3, sourceRows: 3 });

    // Idempotent: rows changed in the hypertable are picked up; a second run leaves the direct aggregate.
    await withTarget(w.url, (d) => d.exec(`DELETE FROM llm_metrics WHERE time >= '2024-03-01T05:00:00Z' AND time < '2024-03-01T05:30:00Z' AND model = 'gpt-4o'`));
    const again = await cliJson(w, ['backfill', '2', ...ONE_SESSION, '--statement-target', '0']);
    expect(again.json, again.stderr).toMatchObject({ status: 'succeeded', windows: { total: 48, succeeded: 48 } });
    expect(await aggregateRows(w.url)).toEqual(await directRows(w.url, RANGE_START, RANGE_END));
  });

  it('grouped statements and bisection: one refresh per group, failed groups split, the result is the same', async () => {
    const w = await filled();
    // A long statement target grows groups 1, 4, 16, …; every 5th hour fails its first attempt,
    // so groups holding one fail and are bisected down to it.
    const r = await cliJson(w, ['backfill', '2', ...ONE_SESSION, '--statement-target', '10m', '--fail-windows', '5']);
    expect(r.json, r.stderr).toMatchObject({ windows: { total: 48 } });
    const failed = (await windowsOf(w, r.json.runId)).filter((x) => x.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(new Date(f.start).getTime() / HOUR % 5).toBe(0);
    const retried = await cliJson(w, ['retry', r.json.runId, ...ONE_SESSION]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(await aggregateRows(w.url)).toEqual(await directRows(w.url, RANGE_START, RANGE_END));
  });

  it('a window smaller than the bucket, or off its grid, is a one-line error at plan (exit 2) that changes nothing', async () => {
    const w = await filled();
    // An aggregate whose hourly buckets start at :30 (origin), so no hourly window covers one.
    writeFileSync(join(w.migrations, '0004_llm_half_past.up.sql'), `CREATE MATERIALIZED VIEW llm_half_past WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', time, origin => '2000-01-03 00:30:00+00') AS bucket, count(*) AS requests FROM llm_metrics GROUP BY 1 WITH NO DATA;\n`);
    writeFileSync(join(w.migrations, '0004_llm_half_past.backfill.sql'), `-- strategy: refresh\n-- time-column: bucket\n-- from: ${iso(RANGE_START)}\n-- to: ${iso(RANGE_END)}\nCALL refresh_continuous_aggregate('llm_half_past', {window_start}, {window_end});\n`);
    expect((await cli(w, ['apply'])).code).toBe(0);
    const cases: Array<[string[], RegExp]> = [
      [['plan', '2', '--window', '30m'], /^error: strategy refresh: window 30m is smaller than the bucket \(1h\) of llm_metrics_hourly/],
      [['backfill', '2', '--window', '30m'], /^error: strategy refresh: window 30m is smaller than the bucket \(1h\) of llm_metrics_hourly/],
      [['backfill', '2', '--window', '90m'], /^error: strategy refresh: window 90m is not a whole number of buckets \(1h\)/],
      [['backfill', '2', '--from', iso(RANGE_START + HOUR / 2), '--to', iso(RANGE_END)], /^error: strategy refresh refreshes whole buckets, so the range must start and end on the 1h grid, but it starts at 2024-03-01T00:30:00.000Z/],
      [['backfill', '4'], /^error: strategy refresh: the buckets \(1h\) of llm_half_past start at 2000-01-03T00:30:00.000Z \+ n×1h, off the 1h window grid/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(w, args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    }
    expect(await aggregateRows(w.url)).toEqual([]);
    expect((await cliJson(w, ['runs'])).json.runs).toEqual([]);
  });
});
