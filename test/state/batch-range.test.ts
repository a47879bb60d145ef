// A Map child reads its batch's windows (batchStartRange → listWindows `starts`, or `batch`):
// the range must hold exactly the batch's windows for any plan (partial first and last windows
// included), and the read is one GetItem of the batch's item, never a Query of the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchStartRange, planWindows } from '../../functions/engine/backfill/windows.js';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { startDynamoFixture, type DynamoFixture } from './dynamo-fixture.js';
import { newRun } from './run-fixture.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('batchStartRange', () => {
  const cases = [
    { from: '2024-03-01T00:17:00Z', to: '2024-03-03T11:59:00Z', windowMs: HOUR, batchSize: 24 },
    { from: '2024-03-01T00:00:00Z', to: '2024-03-02T00:00:00Z', windowMs: HOUR, batchSize: 24 },
    { from: '2024-03-01T00:00:00Z', to: '2024-03-01T00:00:01Z', windowMs: HOUR, batchSize: 24 },
    { from: '2024-02-28T23:59:59.999Z', to: '2024-03-10T00:00:00.001Z', windowMs: 15 * MIN, batchSize: 7 },
    { from: '2023-12-31T05:00:00Z', to: '2024-01-09T05:00:00Z', windowMs: 24 * HOUR, batchSize: 2 },
  ];
  it.each(cases)('matches the plan of $from … $to, $windowMs ms windows, batches of $batchSize', ({ from, to, windowMs, batchSize }) => {
    const plan = planWindows(new Date(from), new Date(to), windowMs, batchSize);
    const batches = plan[plan.length - 1]!.batch + 1;
    for (let b = 0; b < batches; b++) {
      const mine = plan.filter((w) => w.batch === b);
      expect(batchStartRange(new Date(from), new Date(to), windowMs, batchSize, b)).toEqual({ first: mine[0]!.start, last: mine[mine.length - 1]!.start });
    }
    expect(batchStartRange(new Date(from), new Date(to), windowMs, batchSize, batches)).toBeNull();
  });
});

describe('listWindows with a start range', () => {
  let fx: DynamoFixture;
  const reads: string[] = [];
  beforeAll(async () => {
    fx = await startDynamoFixture();
    // Every read request the store sends (what DynamoDB bills).
    fx.doc.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'QueryCommand' || context.commandName === 'GetItemCommand' || context.commandName === 'ScanCommand') reads.push(context.commandName);
      return next(args);
    }, { step: 'initialize', name: 'countReads' });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('reads exactly the batch, partial first window included', async () => {
    const store = new RunStore(fx.doc, await fx.freshTable());
    const from = new Date('2024-03-01T00:17:00Z');
    const to = new Date('2024-03-05T03:00:00Z');
    const plan = planWindows(from, to, HOUR, 24);
    await store.createRun(newRun('ranged', { rangeStart: from, rangeEnd: to, windowCount: plan.length, batchSize: 24 }));
    await store.putWindows('ranged', plan);
    for (const batch of [0, 2, plan[plan.length - 1]!.batch]) {
      const starts = batchStartRange(from, to, HOUR, 24, batch)!;
      await store.getRun('ranged');
      reads.length = 0;
      const ranged = await store.listWindows('ranged', { batch, starts });
      expect(reads).toEqual(['GetItemCommand']); // the batch's item (the run's grid is known already)
      reads.length = 0;
      const filtered = await store.listWindows('ranged', { batch });
      expect(reads).toEqual(['GetItemCommand']);
      expect(ranged).toEqual(filtered);
      expect(ranged.map((w) => w.start)).toEqual(plan.filter((w) => w.batch === batch).map((w) => w.start.toISOString()));
    }
  });
});
