import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { UsageError } from '../../functions/engine/errors.js';
import { registerSecret } from '../../functions/engine/redact.js';
import { startDynamoFixture, type DynamoFixture } from './dynamo-fixture.js';
import { hourlyPlan, newRun } from './run-fixture.js';

let fx: DynamoFixture;
beforeAll(async () => {
  fx = await startDynamoFixture();
});
afterAll(async () => {
  await fx?.close();
});

async function plannedRun(runId: string, windows = 4): Promise<{ store: RunStore; starts: Date[] }> {
  const store = new RunStore(fx.doc, await fx.freshTable());
  await store.createRun(newRun(runId));
  const plan = hourlyPlan(windows);
  await store.putWindows(runId, plan);
  return { store, starts: plan.map((w) => w.start) };
}

describe('claimWindow', () => {
  for (const racers of [2, 20]) {
    it(`${racers} concurrent claims of one window: exactly one wins`, async () => {
      const { store, starts } = await plannedRun(`race-${racers}`);
      const results = await Promise.all(
        Array.from({ length: racers }, (_, i) => store.claimWindow(`race-${racers}`, starts[1]!, `worker-${i}`, { leaseMs: 60_000, allow: ['pending'] })),
      );
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!;
      expect(winner).toMatchObject({ status: 'running', attempts: 1, start: starts[1]!.toISOString() });
      const stored = (await store.listWindows(`race-${racers}`))[1]!;
      expect(stored.leaseOwner).toBe(winner.leaseOwner);
      expect(stored.attempts).toBe(1);
      expect((await store.getRun(`race-${racers}`))?.counts).toEqual({ pending: 3, running: 1, succeeded: 0, failed: 0 });
    });
  }

  it('never takes a live lease, takes an expired one, and only claims allowed statuses', async () => {
    const { store, starts } = await plannedRun('leases');
    const t0 = Date.UTC(2024, 5, 1);
    const s = starts[0]!;
    const first = await store.claimWindow('leases', s, 'a', { leaseMs: 1_000, now: t0, allow: ['pending'] });
    expect(first).toMatchObject({ leaseOwner: 'a', leaseExpiresAt: t0 + 1_000, attempts: 1 });
    expect(await store.claimWindow('leases', s, 'b', { leaseMs: 1_000, now: t0 + 999, allow: ['pending', 'failed'] })).toBeNull();
    const takeover = await store.claimWindow('leases', s, 'b', { leaseMs: 1_000, now: t0 + 1_001, allow: [] });
    expect(takeover).toMatchObject({ leaseOwner: 'b', attempts: 2, status: 'running' });
    // The worker that lost its lease cannot finish the window any more.
    expect(await store.completeWindow('leases', s, 'a', { rows: 1, durationMs: 1 })).toBe(false);
    expect(await store.failWindow('leases', s, 'b', { error: 'boom', durationMs: 5 })).toBe(true);
    // A failed window is claimable only where a retry allows 'failed'.
    expect(await store.claimWindow('leases', s, 'c', { leaseMs: 1_000, now: t0 + 5_000, allow: ['pending'] })).toBeNull();
    expect(await store.claimWindow('leases', s, 'c', { leaseMs: 1_000, now: t0 + 5_000, allow: ['failed'] })).toMatchObject({ attempts: 3, lastError: 'boom' });
    // A takeover moves no count: running stays running.
    expect((await store.getRun('leases'))?.counts).toEqual({ pending: 3, running: 1, succeeded: 0, failed: 0 });
    await expect(store.claimWindow('leases', s, 'd', { leaseMs: 1_000, allow: ['succeeded' as never] })).rejects.toBeInstanceOf(UsageError);
    expect(await store.claimWindow('leases', new Date('2030-01-01T00:00:00Z'), 'd', { leaseMs: 1_000, allow: ['pending'] })).toBeNull();
  });

  it('refuses completion or failure by a worker that does not hold the window', async () => {
    const { store, starts } = await plannedRun('owners');
    const s = starts[0]!;
    expect(await store.completeWindow('owners', s, 'w1', { rows: 5, durationMs: 1 })).toBe(false); // pending: nobody holds it
    await store.claimWindow('owners', s, 'w1', { leaseMs: 60_000, allow: ['pending'] });
    expect(await store.completeWindow('owners', s, 'intruder', { rows: 5, durationMs: 1 })).toBe(false);
    expect(await store.failWindow('owners', s, 'intruder', { error: 'x', durationMs: 1 })).toBe(false);
    expect((await store.listWindows('owners'))[0]).toMatchObject({ status: 'running', leaseOwner: 'w1', rows: 0 });
    expect(await store.completeWindow('owners', s, 'w1', { rows: 5, sourceRows: 6, durationMs: 12 })).toBe(true);
    expect(await store.completeWindow('owners', s, 'w1', { rows: 5, durationMs: 12 })).toBe(false); // not twice
    const done = (await store.listWindows('owners'))[0]!;
    expect(done).toMatchObject({ status: 'succeeded', rows: 5, sourceRows: 6, durationMs: 12 });
    expect(done.leaseOwner).toBeUndefined();
    const run = await store.getRun('owners');
    expect(run).toMatchObject({ rowsWritten: 5, sourceRows: 6, counts: { pending: 3, running: 0, succeeded: 1, failed: 0 } });
  });

  it('stores failures redacted and truncated', async () => {
    const { store, starts } = await plannedRun('errors');
    registerSecret('sup3r-s3cret-token');
    await store.claimWindow('errors', starts[0]!, 'w', { leaseMs: 60_000, allow: ['pending'] });
    const long = `insert failed for postgres://app:pa55word@db/app token sup3r-s3cret-token ${'x'.repeat(2000)}\nsecond line`;
    expect(await store.failWindow('errors', starts[0]!, 'w', { error: new Error(long), durationMs: 9 })).toBe(true);
    const failed = (await store.listWindows('errors', { status: 'failed' }))[0]!;
    expect(failed.lastError).toMatch(/^insert failed for postgres:\/\/app:\*\*\*@db\/app token \*\*\* x+…$/);
    expect(failed.lastError).toHaveLength(500);
  });
});

describe('counts and reconcileRun', () => {
  it('incremental counts after a sequence of transitions equal what reconcileRun computes', async () => {
    const { store, starts } = await plannedRun('counts', 10);
    const claim = (i: number, owner: string, allow: ('pending' | 'failed')[] = ['pending']) =>
      store.claimWindow('counts', starts[i]!, owner, { leaseMs: 60_000, allow });
    for (let i = 0; i < 7; i++) expect(await claim(i, `w${i}`)).not.toBeNull();
    for (const i of [0, 1, 2]) await store.completeWindow('counts', starts[i]!, `w${i}`, { rows: 10 * (i + 1), sourceRows: 11 * (i + 1), durationMs: 1 });
    for (const i of [3, 4]) await store.failWindow('counts', starts[i]!, `w${i}`, { error: `bad ${i}`, durationMs: 1 });
    await claim(3, 'retry', ['failed']);
    await store.completeWindow('counts', starts[3]!, 'retry', { rows: 4, durationMs: 1 });
    await store.completeWindow('counts', starts[5]!, 'someone-else', { rows: 999, durationMs: 1 }); // refused: no count change
    const incremental = await store.getRun('counts');
    expect(incremental?.counts).toEqual({ pending: 3, running: 2, succeeded: 4, failed: 1 });
    expect(incremental?.rowsWritten).toBe(10 + 20 + 30 + 4);
    expect(incremental?.sourceRows).toBe(11 + 22 + 33);
    const reconciled = await store.reconcileRun('counts');
    expect({ counts: reconciled.counts, rowsWritten: reconciled.rowsWritten, sourceRows: reconciled.sourceRows }).toEqual({
      counts: incremental?.counts,
      rowsWritten: incremental?.rowsWritten,
      sourceRows: incremental?.sourceRows,
    });
    const stuck = await store.failedOrStuckWindows('counts', Date.now() + 120_000);
    expect(stuck.map((w) => w.start)).toEqual([starts[4]!, starts[5]!, starts[6]!].map((d) => d.toISOString()));
    expect((await store.failedOrStuckWindows('counts')).map((w) => w.start)).toEqual([starts[4]!.toISOString()]);
  });

  it('reconcileRun repairs counts left off by a crash between a window write and its count update', async () => {
    const { store, starts } = await plannedRun('crash', 3);
    await store.claimWindow('crash', starts[0]!, 'w', { leaseMs: 60_000, allow: ['pending'] });
    await store.completeWindow('crash', starts[0]!, 'w', { rows: 8, durationMs: 1 });
    // Simulate the crash: the window moved, the run item did not (its counts are written back stale).
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    await fx.doc.send(new UpdateCommand({
      TableName: (store as unknown as { tableName: string }).tableName,
      Key: { pk: 'RUN#crash', sk: 'RUN' },
      UpdateExpression: 'SET counts = :c, rowsWritten = :z',
      ExpressionAttributeValues: { ':c': { pending: 3, running: 0, succeeded: 0, failed: 0 }, ':z': 0 },
    }));
    expect((await store.getRun('crash'))?.counts.succeeded).toBe(0);
    const repaired = await store.reconcileRun('crash');
    expect(repaired).toMatchObject({ counts: { pending: 2, running: 0, succeeded: 1, failed: 0 }, rowsWritten: 8, sourceRows: 0 });
    expect(await store.getRun('crash')).toEqual(repaired);
    await expect(store.reconcileRun('ghost')).rejects.toBeInstanceOf(UsageError);
  });
});
