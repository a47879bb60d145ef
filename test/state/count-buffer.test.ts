// Run counts written once a second instead of twice per window: nothing reaches the run
// record until a flush, and what a flush writes equals what reconcileRun recomputes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { startDynamoFixture, type DynamoFixture } from './dynamo-fixture.js';
import { hourlyPlan, newRun } from './run-fixture.js';

let dynamo: DynamoFixture;
let runs: RunStore;

beforeAll(async () => {
  dynamo = await startDynamoFixture();
  runs = new RunStore(dynamo.doc, await dynamo.freshTable());
});
afterAll(async () => dynamo?.close());

it('buffers transitions and flushes them as one consistent update', async () => {
  await runs.createRun(newRun('buffered'));
  const plan = hourlyPlan(24);
  await runs.putWindows('buffered', plan);
  const buffer = runs.countBuffer('buffered');
  for (const [i, w] of plan.slice(0, 10).entries()) {
    const claimed = await runs.claimWindow('buffered', w.start, 'w1', { leaseMs: 60_000, allow: ['pending'], counts: buffer });
    expect(claimed).not.toBeNull();
    if (i % 4 === 3) await runs.failWindow('buffered', w.start, 'w1', { error: new Error('bad hour'), durationMs: 5 }, buffer);
    else await runs.completeWindow('buffered', w.start, 'w1', { rows: 100 + i, sourceRows: 100 + i, durationMs: 5 }, buffer);
  }
  const before = await runs.getRun('buffered');
  expect(before!.counts).toEqual({ pending: 24, running: 0, succeeded: 0, failed: 0 });
  await buffer.flush();
  const flushed = await runs.getRun('buffered');
  expect(flushed!.counts).toEqual({ pending: 14, running: 0, succeeded: 8, failed: 2 });
  const reconciled = await runs.reconcileRun('buffered');
  expect(reconciled.counts).toEqual(flushed!.counts);
  expect(reconciled.rowsWritten).toBe(flushed!.rowsWritten);
  expect(flushed!.rowsWritten).toBe([0, 1, 2, 4, 5, 6, 8, 9].reduce((sum, i) => sum + 100 + i, 0));
});
