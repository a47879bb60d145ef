// The child loop of the Map (RunWindowBatch ⇄ BatchMore) with functions whose timeout is
// shorter than a few windows: every window sleeps a fixed time on the server (sleepEachRow),
// so a batch cannot fit one invocation; it must take several, and still run every window
// exactly once with exact counts. No assertion reads a clock: the lower bound on the number
// of invocations follows from the sleep alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinalizeOutput } from '../../functions/engine/service/types.js';
import { finalizeStep, planStep, windowBatchStep } from '../../functions/engine/service/steps.js';
import { changeValve } from '../../functions/engine/backfill/valve-control.js';
import { FROM, startHarness, type Harness } from './fixture.js';

const HOURS = 24;
const TO = new Date(Date.parse(FROM) + HOURS * 3_600_000).toISOString();
const ROWS_PER_HOUR = 20; // the fixture's events: one every 180 s
const SLEEP_PER_ROW_S = 0.03; // ≥ 600 ms per window, on any machine
const FUNCTION_TIMEOUT_MS = 4000; // room for an invocation's own reads before its first statement on a loaded machine

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    '0003_slow_copy.up.sql': "CREATE TABLE slow_copy (ts DateTime64(3, 'UTC'), id UInt64) ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY ts;",
    '0003_slow_copy.backfill.sql': [
      '-- window: 1h', '-- target: slow_copy', '-- time-column: ts', `-- from: ${FROM}`, `-- to: ${TO}`,
      '-- source-count: SELECT count() FROM events WHERE ts >= {window_start} AND ts < {window_end}',
      `INSERT INTO slow_copy SELECT ts, id + sleepEachRow(${SLEEP_PER_ROW_S}) FROM events`,
      'WHERE ts >= {window_start} AND ts < {window_end}',
      'SETTINGS max_block_size = 1',
    ].join('\n'),
  });
});
afterAll(async () => h?.close());

describe('window batches within a function timeout', () => {
  it('loops RunWindowBatch until the batch is done: many invocations, every window once, exact counts', async () => {
    const r = await h.execute({ action: 'backfill', target: 'local', version: 3, concurrency: 1 }, 'budget', { functionTimeoutMs: FUNCTION_TIMEOUT_MS });
    expect(r.status, JSON.stringify(r.error)).toBe('SUCCEEDED');
    const fin = ((r.output ?? r.lastStateInput) as { finalize: FinalizeOutput }).finalize;
    expect(fin).toMatchObject({ status: 'succeeded', windows: { total: HOURS, succeeded: HOURS, failed: 0, pending: 0 }, rows: HOURS * ROWS_PER_HOUR });

    // One batch (24 windows); an invocation holds at most timeout / min window + 1 of them.
    const perInvocation = Math.floor(FUNCTION_TIMEOUT_MS / (ROWS_PER_HOUR * SLEEP_PER_ROW_S * 1000)) + 1;
    const invocations = r.statesEntered.filter((s) => s === 'RunWindowBatch').length;
    expect(invocations).toBeGreaterThanOrEqual(Math.ceil(HOURS / perInvocation));
    expect(r.statesEntered.filter((s) => s === 'BatchMore')).toHaveLength(invocations);
    expect(r.statesEntered).toContain('BatchDone');

    const windows = await h.env.runs.listWindows('budget');
    expect(windows).toHaveLength(HOURS);
    expect(windows.every((w) => w.status === 'succeeded' && w.attempts === 1 && w.rows === ROWS_PER_HOUR && w.sourceRows === ROWS_PER_HOUR)).toBe(true);
    // Every window's rows exactly once: per hour, the target holds the source's rows (same ids,
    // none twice), and each window record counts exactly what its hour holds.
    const perHour = await h.withDriver((d) => d.query<{ hour: string; n: number; u: number; same: number }>(
      `SELECT formatDateTime(toStartOfHour(c.ts), '%Y-%m-%d %H:%i:%S') AS hour, count() AS n, uniqExact(c.id) AS u, countIf((c.ts, c.id) IN (SELECT ts, id FROM events)) AS same
       FROM slow_copy AS c GROUP BY hour ORDER BY hour`,
    ));
    expect(perHour.map((r) => [r.hour, r.n, r.u, r.same])).toEqual(windows.map((w) => [w.start.replace('T', ' ').slice(0, 19), ROWS_PER_HOUR, ROWS_PER_HOUR, ROWS_PER_HOUR]));
  });

  it('gives up waiting on a paused run before the invocation runs out, claims nothing, and answers more', async () => {
    const runId = 'paused-budget';
    await planStep(h.env, { action: 'backfill', target: 'local', version: 3, runId, concurrency: 1 });
    try {
      await changeValve(h.env.runs, runId, { paused: true }, 'test');
      const countdown = (ms: number) => {
        const deadline = Date.now() + ms;
        return () => Math.max(0, deadline - Date.now());
      };
      // A Lambda's invocation on a paused run: it waits while it has time, then hands back.
      const paused = await windowBatchStep(h.env, { runId, batch: 0, target: 'local' }, countdown(FUNCTION_TIMEOUT_MS));
      expect(paused).toMatchObject({ succeeded: 0, failed: 0, rows: 0, more: true });
      expect((await h.env.runs.listWindows(runId)).filter((w) => w.status !== 'pending')).toEqual([]);

      await changeValve(h.env.runs, runId, { paused: false }, 'test');
      let out = paused;
      let invocations = 0;
      while (out.more) {
        out = await windowBatchStep(h.env, { runId, batch: 0, target: 'local' }, countdown(FUNCTION_TIMEOUT_MS));
        invocations++;
      }
      expect(invocations).toBeGreaterThan(1);
      const windows = await h.env.runs.listWindows(runId);
      expect(windows.map((w) => [w.status, w.attempts, w.rows])).toEqual(windows.map(() => ['succeeded', 1, ROWS_PER_HOUR]));
      expect(windows).toHaveLength(HOURS);
    } finally {
      // Releases the run's lease on target and version, whatever happened above.
      await finalizeStep(h.env, { action: 'backfill', runId } as never);
    }
  });
});
