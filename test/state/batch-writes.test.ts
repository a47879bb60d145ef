// State format 2 (state/batch-items.ts): a statement's windows change together. Claiming and
// completing N windows of one batch costs one write request each, whatever N; racing claimers
// with their own stores (their own view of the item) still split the windows exactly; and a
// run planned before format 2 is refused with one line naming the format.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { runKey } from '../../functions/engine/state/keys.js';
import { UsageError } from '../../functions/engine/errors.js';
import { startDynamoFixture, type DynamoFixture } from './dynamo-fixture.js';
import { hourlyPlan, newRun } from './run-fixture.js';

let fx: DynamoFixture;
const writes: string[] = [];
beforeAll(async () => {
  fx = await startDynamoFixture();
  fx.doc.middlewareStack.add((next, context) => async (args) => {
    if (/^(Put|Update|Delete|BatchWrite)/.test(context.commandName ?? '')) writes.push(`${context.commandName} ${String((args.input as { Key?: { sk?: string }; Item?: { sk?: string } }).Key?.sk ?? (args.input as { Item?: { sk?: string } }).Item?.sk)}`);
    return next(args);
  }, { step: 'initialize', name: 'countWrites' });
});
afterAll(async () => {
  await fx?.close();
});

const refs = (batchSize: number) => hourlyPlan(24, undefined, batchSize).map((w) => ({ start: w.start.toISOString(), end: w.end.toISOString(), batch: w.batch }));

describe('one write per statement', () => {
  it('claims, completes and fails a batch\'s windows with one write request each, whatever their number', async () => {
    const table = await fx.freshTable();
    const store = new RunStore(fx.doc, table);
    await store.createRun(newRun('w', { windowsOnDemand: true, batchSize: 24 }));
    const windows = refs(24);
    writes.length = 0;
    const claimed = await store.claimWindows('w', windows, 'worker', { leaseMs: 60_000, allow: ['pending'] });
    expect(claimed).toHaveLength(24);
    expect(writes.filter((w) => w.includes('BAT#'))).toHaveLength(1);
    writes.length = 0;
    const done = await store.completeWindows('w', 'worker', windows.slice(0, 23).map((w, i) => ({ ...w, rows: i, sourceRows: i, durationMs: 10 })));
    expect(done.size).toBe(23);
    expect(await store.failWindows('w', 'worker', [windows[23]!], { error: new Error('bad hour'), durationMs: 10 })).toEqual(new Set([windows[23]!.start]));
    expect(writes.filter((w) => w.includes('BAT#'))).toHaveLength(2);
    // Every hour keeps its own record.
    const listed = await store.listWindows('w');
    expect(listed.map((w) => [w.status, w.rows, w.attempts])).toEqual(windows.map((_, i) => (i === 23 ? ['failed', 0, 1] : ['succeeded', i, 1])));
    expect(listed[23]).toMatchObject({ lastError: 'bad hour', durationMs: 10 });
    expect(listed[0]!.leaseOwner).toBeUndefined();
    expect((await store.reconcileRun('w')).counts).toEqual({ pending: 0, running: 0, succeeded: 23, failed: 1 });
  });

  it('racing claimers with their own stores split overlapping sets exactly: every window claimed once', async () => {
    const table = await fx.freshTable();
    const first = new RunStore(fx.doc, table);
    await first.createRun(newRun('race', { windowsOnDemand: true, batchSize: 24 }));
    const windows = refs(24);
    const stores = [first, ...Array.from({ length: 5 }, () => new RunStore(fx.doc, table))];
    for (const s of stores) await s.listWindows('race'); // each has its own (soon stale) view of the item
    const results = await Promise.all(stores.map((s, i) => s.claimWindows('race', windows.slice(i * 3, i * 3 + 12), `w${i}`, { leaseMs: 60_000, allow: ['pending'] })));
    const claimed = results.flat().map((w) => w.start).sort();
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed).toEqual(windows.map((w) => w.start).sort());
    const listed = await first.listWindows('race');
    for (const [i, r] of results.entries()) for (const w of r) expect(listed.find((l) => l.start === w.start)).toMatchObject({ status: 'running', leaseOwner: `w${i}`, attempts: 1 });
    // A stale view cannot complete what it does not hold: only each owner's own windows move.
    const done = await Promise.all(stores.map((s, i) => s.completeWindows('race', `w${i}`, windows.map((w) => ({ ...w, rows: 1, durationMs: 1 })))));
    expect(done.reduce((n, d) => n + d.size, 0)).toBe(24);
    expect((await first.reconcileRun('race')).counts).toMatchObject({ succeeded: 24, running: 0 });
  });

  it('never leaves a window out on a stale view: what it last saw as not claimable, or not held, is read again', async () => {
    const table = await fx.freshTable();
    const a = new RunStore(fx.doc, table);
    const b = new RunStore(fx.doc, table);
    await a.createRun(newRun('stale', { windowsOnDemand: true, batchSize: 24 }));
    const [w, x] = refs(24) as [ReturnType<typeof refs>[number], ReturnType<typeof refs>[number]];
    const t0 = Date.now();
    expect(await a.claimWindows('stale', [w, x], 'a', { leaseMs: 1_000, allow: ['pending'], now: t0 })).toHaveLength(2); // a sees w running, its own
    // b takes w over after a's lease ran out, and fails it: a's view of w is stale now.
    expect(await b.claimWindows('stale', [w], 'b', { leaseMs: 1_000, allow: ['pending'], now: t0 + 5_000 })).toHaveLength(1);
    await b.failWindows('stale', 'b', [w], { error: new Error('boom'), durationMs: 1 });
    // A retry through a: its view says w is running under a live lease; the item says failed.
    const retried = await a.claimWindows('stale', [w], 'a2', { leaseMs: 60_000, allow: ['failed'], now: t0 + 500 });
    expect(retried.map((r) => [r.start, r.leaseOwner, r.attempts])).toEqual([[w.start, 'a2', 3]]);
    // And a completion by b through its own view of x (never claimed by b) changes nothing.
    expect((await b.completeWindows('stale', 'b', [{ ...x, rows: 1, durationMs: 1 }])).size).toBe(0);
    expect((await a.completeWindows('stale', 'a', [{ ...x, rows: 1, durationMs: 1 }])).size).toBe(1);
  });

  it('refuses a run planned before state format 2 with one line naming the format', async () => {
    const table = await fx.freshTable();
    const store = new RunStore(fx.doc, table);
    const old = await new RunStore(fx.doc, table).createRun(newRun('old'));
    const { stateFormat: _f, ...format1 } = old;
    await fx.doc.send(new PutCommand({ TableName: table, Item: { ...runKey('old'), ...format1 } }));
    const refused = await store.listWindows('old').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toBe('run old keeps its windows in state format 1, which this version does not read (it keeps format 2: one item per batch); plan a new run');
    await expect(store.claimWindow('old', hourlyPlan(1)[0]!.start, 'w', { leaseMs: 1_000, allow: ['pending'] })).rejects.toThrow(/state format 1/);
  });
});
