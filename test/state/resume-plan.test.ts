// Plan for an existing run on dynalite: which windows a resume and a retry hand to the Map,
// in which batches and order, with which tolerance.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { planContinuation } from '../../functions/engine/service/repair-plan.js';
import { UsageError } from '../../functions/engine/errors.js';
import { startDynamoFixture, type DynamoFixture } from './dynamo-fixture.js';
import { hourlyPlan, newRun } from './run-fixture.js';

let fx: DynamoFixture;
beforeAll(async () => {
  fx = await startDynamoFixture();
});
afterAll(async () => {
  await fx?.close();
});

const NOW = Date.parse('2024-06-01T00:00:00Z');

/**
 * Nine hourly windows in batches of three: batch 0 all succeeded; batch 1: a failed window, a
 * running one under a live lease, a succeeded one; batch 2: a running one whose lease expired,
 * two pending.
 */
async function strandedRun(runId: string, order?: 'newest-first'): Promise<RunStore> {
  const store = new RunStore(fx.doc, await fx.freshTable());
  await store.createRun(newRun(runId, { windowCount: 9, batchSize: 3, concurrency: 3, ...(order ? { order } : {}) }));
  const plan = hourlyPlan(9, undefined, 3);
  await store.putWindows(runId, plan);
  const claim = (i: number, owner: string, now = NOW) => store.claimWindow(runId, plan[i]!.start, owner, { leaseMs: 60_000, allow: ['pending'], now });
  for (const i of [0, 1, 2, 5]) {
    await claim(i, 'w');
    await store.completeWindow(runId, plan[i]!.start, 'w', { rows: 1, durationMs: 1 });
  }
  await claim(3, 'w');
  await store.failWindow(runId, plan[3]!.start, 'w', { error: new Error('boom'), durationMs: 1 });
  await claim(4, 'alive');
  await claim(6, 'dead', NOW - 120_000);
  return store;
}

it('resume: pending, failed and expired windows, by batch, with the tolerance default 100 or the input\'s', async () => {
  const store = await strandedRun('r');
  const plan = await planContinuation(store, { action: 'resume', target: 't', runId: 'r' }, NOW);
  // 3 failed, 6 expired, 7 and 8 pending: not 4 (live) nor the succeeded ones.
  expect(plan).toEqual({ runId: 'r', mode: 'resume', windowCount: 4, batchSize: 3, batches: [1, 2], concurrency: 3, toleratedFailurePercentage: 100, warnings: [] });
  const given = await planContinuation(store, { action: 'resume', target: 't', runId: 'r', concurrency: 1, toleratedFailurePercentage: 10 }, NOW);
  expect(given).toMatchObject({ concurrency: 1, toleratedFailurePercentage: 10 });
  // The counts were repaired from the windows (as on every resume).
  expect((await store.getRun('r'))?.counts).toEqual({ pending: 2, running: 2, succeeded: 4, failed: 1 });
});

it('retry: only failed and expired windows; newest-first runs the later batch first', async () => {
  const store = await strandedRun('n', 'newest-first');
  expect(await planContinuation(store, { action: 'retry', target: 't', runId: 'n' }, NOW)).toMatchObject({ mode: 'retry', windowCount: 2, batches: [2, 1] });
  expect(await planContinuation(store, { action: 'resume', target: 't', runId: 'n' }, NOW)).toMatchObject({ windowCount: 4, batches: [2, 1] });
});

it('an unknown run is refused in one line', async () => {
  const store = new RunStore(fx.doc, await fx.freshTable());
  await expect(planContinuation(store, { action: 'resume', target: 't', runId: 'ghost' }, NOW)).rejects.toThrow(new UsageError('unknown run "ghost"'));
});
