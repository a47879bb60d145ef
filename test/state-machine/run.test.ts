// The synthesized state machine run locally (aws-local-stepfunctions), Tasks bound to the
// Lambda handlers' code, on embedded ClickHouse and dynalite: the paths an operator meets.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FinalizeOutput } from '../../functions/engine/service/types.js';
import { FROM, TO, startHarness, stateNames, type Harness } from './fixture.js';

let h: Harness;
const HOURS = (Date.parse(TO) - Date.parse(FROM)) / 3_600_000;

beforeAll(async () => {
  h = await startHarness({ '0003_broken.up.sql': 'CREATE TABLE broken (x UInt8) ENGINE = MergeTree ORDER BY x;\nSELECT * FROM no_such_table;' });
  // The tables every test reads or seeds (events, failing_hours, events_copy), whichever test runs first.
  const setup = await h.execute({ action: 'apply', target: 'local', version: 2 }, 'setup-apply');
  expect(setup.status, JSON.stringify(setup.error)).toBe('SUCCEEDED');
});
afterAll(async () => h?.close());
// Each test starts from an empty copy, no failing hours and no table left by the failing
// migration 3 (an extra table is drift, and Verify decides the outcome), whatever ran before it.
beforeEach(async () => {
  await h.withDriver(async (d) => {
    await d.exec('TRUNCATE TABLE events_copy');
    await d.exec('TRUNCATE TABLE failing_hours');
    await d.exec('DROP TABLE IF EXISTS broken');
  });
});

const finalizeOf = (r: { output: unknown; lastStateInput?: unknown }) => ((r.output ?? r.lastStateInput) as { finalize: FinalizeOutput }).finalize;
const hour = (n: number) => new Date(Date.parse(FROM) + n * 3_600_000).toISOString();
const failHours = (...starts: string[]) => h.withDriver((d) => d.exec(`INSERT INTO failing_hours VALUES ${starts.map((s) => `('${s.slice(0, 19).replace('T', ' ')}')`).join(', ')}`));

/** Runs a retry while the state table's getRun fails (fault injection on the real store, not a mock of it). */
async function retryWithUnreachableState(runId: string, executionName: string) {
  const original = h.env.runs;
  h.env.runs = Object.create(original, { getRun: { value: async () => { throw new Error('state table unreachable'); } } });
  try {
    return await h.execute({ action: 'retry', target: 'local', runId }, executionName);
  } finally {
    h.env.runs = original;
  }
}

describe('state machine, run locally', () => {
  it('refuses input without action/target before any Task runs', async () => {
    const r = await h.execute({ target: 'local' }, 'bad-input');
    expect(r.status).toBe('FAILED');
    expect(r.error?.name).toBe('InvalidInput');
    expect(r.statesEntered).toEqual(['ValidateInput', 'InvalidInput']);
  });

  it('backfills every window (happy path) with the Map concurrency from the input', async () => {
    const r = await h.execute({ action: 'backfill', target: 'local', version: 2, concurrency: 2 }, 'happy');
    expect(r.status, JSON.stringify(r.error)).toBe('SUCCEEDED');
    const fin = finalizeOf(r);
    expect(fin).toMatchObject({ status: 'succeeded', runId: 'happy', windows: { total: HOURS, succeeded: HOURS, failed: 0, pending: 0 }, rows: 2400 });
    expect(r.statesEntered).toEqual(expect.arrayContaining(['Apply', 'Plan', 'BackfillWindows', 'RunWindowBatch', 'Verify', 'Finalize', 'RunSucceeded']));
    expect(r.peakConcurrency.RunWindowBatch).toBe(2);
    const copied = await h.withDriver(async (d) => (await d.query<{ n: number; s: number }>('SELECT count() AS n, sum(id) AS s FROM events_copy'))[0]);
    expect(copied).toEqual({ n: 2400, s: (2399 * 2400) / 2 });
  });

  it('respects concurrency 1', async () => {
    const r = await h.execute({ action: 'backfill', target: 'local', version: 2, concurrency: 1 }, 'serial');
    expect(r.status).toBe('SUCCEEDED');
    expect(r.peakConcurrency.RunWindowBatch).toBe(1);
  });

  it('ends partial when windows fail, records them, and retry re-runs only those', async () => {
    await failHours('2024-03-01T05:00:00Z', '2024-03-03T17:00:00Z', '2024-03-05T23:00:00Z');
    const first = await h.execute({ action: 'backfill', target: 'local', version: 2, concurrency: 3 }, 'partial');
    expect(first.status).toBe('FAILED');
    expect(first.error?.name).toBe('RunPartiallyFailed');
    expect(finalizeOf(first)).toMatchObject({ status: 'partial', windows: { failed: 3, succeeded: HOURS - 3 } });
    const failed = await h.env.runs.listWindows('partial', { status: 'failed' });
    expect(failed.map((w) => w.start)).toEqual(['2024-03-01T05:00:00.000Z', '2024-03-03T17:00:00.000Z', '2024-03-05T23:00:00.000Z']);
    expect(failed.every((w) => /hour marked as failing/.test(w.lastError ?? ''))).toBe(true);

    await h.withDriver((d) => d.exec('TRUNCATE TABLE failing_hours'));
    const retry = await h.execute({ action: 'retry', target: 'local', runId: 'partial' }, 'partial-retry-1');
    expect(retry.status, JSON.stringify(retry.error)).toBe('SUCCEEDED');
    expect(retry.statesEntered).not.toContain('Apply');
    expect(finalizeOf(retry)).toMatchObject({ status: 'succeeded', runId: 'partial', windows: { total: HOURS, succeeded: HOURS, failed: 0 } });
    const windows = await h.env.runs.listWindows('partial');
    const retried = windows.filter((w) => w.attempts === 2).map((w) => w.start);
    expect(retried).toEqual(failed.map((w) => w.start));
    expect(windows.filter((w) => w.attempts === 1)).toHaveLength(HOURS - 3);
    const n = await h.withDriver(async (d) => (await d.query<{ n: number }>('SELECT count() AS n FROM events_copy'))[0].n);
    expect(n).toBe(2400);
  });

  it('fails and finalizes the run when apply fails', async () => {
    const r = await h.execute({ action: 'apply', target: 'local' }, 'apply-fails');
    expect(r.status).toBe('FAILED');
    expect(r.error?.name).toBe('RunFailed');
    expect(r.statesEntered).toEqual(expect.arrayContaining(['Apply', 'Finalize', 'RunOutcome', 'RunFailed']));
    expect(r.statesEntered).not.toContain('Plan');
    expect(finalizeOf(r)).toMatchObject({ status: 'failed' });
    expect(finalizeOf(r).error).toMatch(/migration 3 \(broken\) failed at statement 2/);
  });

  it('ends in FinalizeFailed when finalize itself cannot record the outcome', async () => {
    const base = await h.execute({ action: 'backfill', target: 'local', version: 2, from: FROM, to: hour(2), runId: 'finalize-base' }, 'finalize-base');
    expect(base.status, JSON.stringify(base.error)).toBe('SUCCEEDED');
    const r = await retryWithUnreachableState('finalize-base', 'finalize-fails');
    expect(r.status).toBe('FAILED');
    expect(r.error?.name).toBe('FinalizeFailed');
  });

  it('verify-only runs go straight to Verify', async () => {
    const r = await h.execute({ action: 'verify', target: 'local' }, 'verify-only');
    expect(r.statesEntered.slice(0, 4)).toEqual(['ValidateInput', 'PrepareRun', 'RouteAction', 'Verify']);
  });

  it('every state of the definition is entered by one of these executions', async () => {
    // Short ranges: the paths matter here, not the volume (the tests above check that).
    const entered = new Set<string>();
    const run = async (input: object, name: string) => {
      const r = await h.execute(input, name);
      for (const state of r.statesEntered) entered.add(state);
      return r;
    };
    expect((await run({ target: 'local' }, 'cover-invalid')).error?.name).toBe('InvalidInput');
    await failHours(hour(1));
    const partial = await run({ action: 'backfill', target: 'local', version: 2, from: FROM, to: hour(3), runId: 'cover-partial', concurrency: 2 }, 'cover-partial');
    expect(partial.error?.name, JSON.stringify(partial.error)).toBe('RunPartiallyFailed');
    await h.withDriver((d) => d.exec('TRUNCATE TABLE failing_hours'));
    expect((await run({ action: 'retry', target: 'local', runId: 'cover-partial' }, 'cover-retry')).status).toBe('SUCCEEDED');
    expect((await run({ action: 'backfill', target: 'local', version: 2, from: FROM, to: hour(2), runId: 'cover-partial' }, 'cover-refused')).error?.name).toBe('RunConflictError');
    expect((await run({ action: 'apply', target: 'local' }, 'cover-apply-fails')).error?.name).toBe('RunFailed');
    expect((await run({ action: 'verify', target: 'local' }, 'cover-verify')).statesEntered).toContain('Verify');
    const finalizeFails = await retryWithUnreachableState('cover-partial', 'cover-finalize-fails');
    for (const state of finalizeFails.statesEntered) entered.add(state);
    expect(finalizeFails.error?.name).toBe('FinalizeFailed');

    const all = stateNames(h.definition as never);
    expect(all.filter((name) => !entered.has(name))).toEqual([]);
  }, 600_000); // six executions: a limit for a hung run, not a measure of speed
});
