// A run planned with its grid only (windowsOnDemand): no window record is written at plan;
// unwritten windows read as pending, in start order, by range, batch and status; the first
// claim of a window writes it (one winner among racers); counts reconcile exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoFixture, type DynamoFixture } from './dynamo-fixture.js';
import { hourlyPlan, newRun } from './run-fixture.js';

let fx: DynamoFixture;
beforeAll(async () => {
  fx = await startDynamoFixture();
});
afterAll(async () => {
  await fx?.close();
});

async function gridRun(runId: string): Promise<{ store: RunStore; table: string }> {
  const table = await fx.freshTable();
  const store = new RunStore(fx.doc, table);
  await store.createRun(newRun(runId, { windowsOnDemand: true }));
  return { store, table };
}

/** Window records written: the entries of the run's batch items (keys.ts). */
async function storedItems(table: string, runId: string): Promise<number> {
  const out = await fx.doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)', ExpressionAttributeValues: { ':pk': `RUN#${runId}`, ':b': 'BAT#' } }));
  return (out.Items ?? []).reduce((n, item) => n + Object.keys((item.w ?? {}) as object).length, 0);
}

describe('windows on demand', () => {
  it('plans with no window record and lists the whole grid as pending, by range and batch', async () => {
    const { store, table } = await gridRun('grid');
    const run = await store.getRun('grid');
    expect(run).toMatchObject({ windowCount: 24, plannedAt: run?.createdAt, counts: { pending: 24, running: 0, succeeded: 0, failed: 0 } });
    expect(await storedItems(table, 'grid')).toBe(0);
    const plan = hourlyPlan(24, undefined, 6);
    const all = await store.listWindows('grid');
    expect(all.map((w) => [w.start, w.end, w.batch, w.status, w.attempts])).toEqual(plan.map((w) => [w.start.toISOString(), w.end.toISOString(), w.batch, 'pending', 0]));
    expect((await store.listWindows('grid', { batch: 2 })).map((w) => w.start)).toEqual(plan.filter((w) => w.batch === 2).map((w) => w.start.toISOString()));
    const range = await store.listWindows('grid', { starts: { first: plan[5]!.start, last: plan[9]!.start } });
    expect(range.map((w) => w.start)).toEqual(plan.slice(5, 10).map((w) => w.start.toISOString()));
    expect(await store.listWindows('grid', { status: 'failed' })).toEqual([]);
  });

  it('the first claim writes the window; of racers exactly one wins; states and counts stay exact', async () => {
    const { store, table } = await gridRun('claims');
    const plan = hourlyPlan(24, undefined, 6);
    const w3 = plan[3]!;
    // A start off the grid is no window: nothing to claim, nothing written.
    expect(await store.claimWindow('claims', new Date(w3.start.getTime() + 60_000), 'nobody', { leaseMs: 60_000, allow: ['pending'] })).toBeNull();
    const racers = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claimWindow('claims', w3.start, `worker-${i}`, { leaseMs: 60_000, allow: ['pending'], window: { end: w3.end, batch: w3.batch } })));
    const winners = racers.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ start: w3.start.toISOString(), end: w3.end.toISOString(), batch: 0, status: 'running', attempts: 1 });
    expect(await storedItems(table, 'claims')).toBe(1);
    // A retry may not claim an unwritten (pending) window.
    const w4 = plan[4]!;
    expect(await store.claimWindow('claims', w4.start, 'r', { leaseMs: 60_000, allow: ['failed'], window: { end: w4.end, batch: w4.batch } })).toBeNull();
    // Without the window's shape the store reads it from the run's grid.
    const w6 = plan[6]!;
    expect(await store.claimWindow('claims', w6.start, 'g', { leaseMs: 60_000, allow: ['pending'] })).toMatchObject({ start: w6.start.toISOString(), end: w6.end.toISOString(), batch: 1, attempts: 1 });
    await store.releaseWindow('claims', w6.start, 'g');

    expect(await store.completeWindow('claims', w3.start, winners[0]!.leaseOwner!, { rows: 7, sourceRows: 7, durationMs: 5 })).toBe(true);
    const w5 = plan[5]!;
    const c5 = await store.claimWindow('claims', w5.start, 'w', { leaseMs: 60_000, allow: ['pending'], window: { end: w5.end, batch: w5.batch } });
    await store.failWindow('claims', w5.start, c5!.leaseOwner!, { error: new Error('boom'), durationMs: 1 });
    expect((await store.listWindows('claims', { status: 'succeeded' })).map((w) => w.start)).toEqual([w3.start.toISOString()]);
    expect((await store.listWindows('claims', { status: 'failed' })).map((w) => w.start)).toEqual([w5.start.toISOString()]);
    expect(await store.listWindows('claims', { status: 'pending' })).toHaveLength(22);
    expect((await store.failedOrStuckWindows('claims')).map((w) => w.start)).toEqual([w5.start.toISOString()]);
    expect((await store.getRun('claims'))?.counts).toEqual({ pending: 22, running: 0, succeeded: 1, failed: 1 });
    const reconciled = await store.reconcileRun('claims');
    expect(reconciled.counts).toEqual({ pending: 22, running: 0, succeeded: 1, failed: 1 });
    expect(reconciled.rowsWritten).toBe(7);
  });
});
