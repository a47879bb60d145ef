// RunStore.pageWindows (window-pages.ts): pages of a run's windows read from DynamoDB with a
// bound on the batch items one page reads. Walking every page must give exactly what the
// whole-run listWindows gives (each window once, in start order) for a written plan on the
// run's grid, a written plan off it (the binary-search start), and a run with windows on
// demand (unwritten windows pending), under every status filter and several page sizes; and
// no page may read more than about the items it returns, or PAGE_MAX_ITEMS when a filter
// matches little.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planWindows } from '../../functions/engine/backfill/windows.js';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { PAGE_MAX_ITEMS, type PageQuery } from '../../functions/engine/state/window-pages.js';
import type { PlannedWindow, WindowRecord, WindowStatus } from '../../functions/engine/state/records.js';
import { startDynamoFixture, type DynamoFixture } from './dynamo-fixture.js';
import { hourlyPlan, newRun } from './run-fixture.js';

const HOUR = 3_600_000;

let fx: DynamoFixture;
/** Each Query the store sends: its input and the number of items it returned. */
const queries: { input: Record<string, unknown>; items: number }[] = [];

beforeAll(async () => {
  fx = await startDynamoFixture();
  fx.doc.middlewareStack.add((next, context) => async (args) => {
    const out = await next(args);
    if (context.commandName === 'QueryCommand') queries.push({ input: args.input as Record<string, unknown>, items: ((out.output as { Items?: unknown[] }).Items ?? []).length });
    return out;
  }, { step: 'initialize', name: 'countQueries' });
});
afterAll(async () => {
  await fx?.close();
});

interface Walk {
  windows: WindowRecord[];
  /** Per request: items read, Queries sent, windows returned. */
  pages: { items: number; queries: number; count: number; next?: string }[];
}

async function walk(store: RunStore, runId: string, query: Omit<PageQuery, 'after'>): Promise<Walk> {
  await store.getRun(runId); // the grid is read once per process; the pages then read windows only
  const out: Walk = { windows: [], pages: [] };
  let after: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    queries.length = 0;
    const page = await store.pageWindows(runId, { ...query, ...(after ? { after } : {}) });
    out.pages.push({ items: queries.reduce((n, q) => n + q.items, 0), queries: queries.length, count: page.windows.length, ...(page.next ? { next: page.next } : {}) });
    out.windows.push(...page.windows);
    expect(page.windows.length).toBeLessThanOrEqual(query.limit);
    if (page.next === undefined) return out;
    expect(after === undefined || page.next > after, 'next moves forward').toBe(true);
    after = page.next;
  }
  throw new Error('pages never ended');
}

const STATUSES: (WindowStatus | undefined)[] = [undefined, 'pending', 'running', 'succeeded', 'failed'];

/** Claims all of `plan`, then fails those at `failAt`, completes those at `doneAt`; the rest stay running. */
async function settle(store: RunStore, runId: string, plan: readonly PlannedWindow[], failAt: number[], doneAt: number[]): Promise<void> {
  const refs = (idx: number[]) => idx.map((i) => ({ start: plan[i]!.start.toISOString(), end: plan[i]!.end.toISOString(), batch: plan[i]!.batch }));
  const touched = [...new Set([...failAt, ...doneAt])];
  await store.claimWindows(runId, refs(touched), 'w', { leaseMs: 60_000, allow: ['pending'] });
  await store.failWindows(runId, 'w', refs(failAt), { error: new Error('boom'), durationMs: 1 });
  await store.completeWindows(runId, 'w', refs(doneAt).map((r) => ({ ...r, rows: 1, durationMs: 1 })));
}

async function expectWalksMatch(store: RunStore, runId: string, limits: number[]): Promise<Walk[]> {
  const walks: Walk[] = [];
  for (const status of STATUSES) {
    const all = await store.listWindows(runId, status ? { status } : {});
    for (const limit of limits) {
      const w = await walk(store, runId, { limit, ...(status ? { status } : {}) });
      expect(w.windows, `status ${status} limit ${limit}`).toEqual(all);
      walks.push(w);
    }
  }
  return walks;
}

describe('pageWindows', () => {
  it('a written plan on the grid: every window once, in order, each page reading about the items it returns', async () => {
    const store = new RunStore(fx.doc, await fx.freshTable());
    const from = new Date('2024-03-01T00:17:00Z'); // a partial first window
    const to = new Date('2024-03-11T05:00:00Z');
    const plan = planWindows(from, to, HOUR, 6);
    await store.createRun(newRun('planned', { rangeStart: from, rangeEnd: to, windowCount: plan.length, batchSize: 6 }));
    await store.putWindows('planned', plan);
    await settle(store, 'planned', plan, [0, 7, 100, plan.length - 1], [1, 2, 3, 50, 51, 200]);
    await expectWalksMatch(store, 'planned', [1, 6, 7, 100, 1000]);
    for (const limit of [1, 7, 100]) {
      const w = await walk(store, 'planned', { limit });
      // An unfiltered page reads its windows' items, one before them (where `after` lies) and one more.
      for (const p of w.pages) expect(p.items, JSON.stringify(p)).toBeLessThanOrEqual(Math.ceil(limit / 6) + 3);
      expect(queries.filter((q) => q.input.ScanIndexForward === false)).toEqual([]); // no search: the grid found every start
    }
  });

  it('a written plan off the run\'s grid: the start is found by a bounded binary search', async () => {
    const store = new RunStore(fx.doc, await fx.freshTable());
    const plan = hourlyPlan(240, undefined, 24); // batches of 24, while the run's grid says 6
    await store.createRun(newRun('off-grid', { rangeEnd: new Date('2024-01-11T00:00:00Z'), windowCount: 240, batchSize: 6 }));
    await store.putWindows('off-grid', plan);
    await settle(store, 'off-grid', plan, [5, 130], [6, 239]);
    await expectWalksMatch(store, 'off-grid', [7, 30, 1000]);
    queries.length = 0;
    const page = await store.pageWindows('off-grid', { limit: 3, after: plan[30]!.start.toISOString() });
    expect(page.windows.map((w) => w.start)).toEqual(plan.slice(31, 34).map((w) => w.start.toISOString()));
    expect(queries.some((q) => q.input.ScanIndexForward === false)).toBe(true);
    expect(queries.length).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(10)) + 2);
  });

  it('windows on demand: unwritten windows page as pending over the grid', async () => {
    const store = new RunStore(fx.doc, await fx.freshTable());
    const from = new Date('2024-03-01T00:17:00Z');
    const to = new Date('2024-03-06T00:00:00Z');
    const plan = planWindows(from, to, HOUR, 6);
    await store.createRun(newRun('grid', { rangeStart: from, rangeEnd: to, windowCount: plan.length, batchSize: 6, windowsOnDemand: true }));
    await settle(store, 'grid', plan, [0, 13, plan.length - 1], [1, 14, 60]);
    await settle(store, 'grid', plan, [], [70]); // one more written batch; 71 stays running
    await store.claimWindows('grid', [{ start: plan[71]!.start.toISOString(), end: plan[71]!.end.toISOString(), batch: plan[71]!.batch }], 'w', { leaseMs: 60_000, allow: ['pending'] });
    await expectWalksMatch(store, 'grid', [1, 6, 7, 50, 1000]);
    const w = await walk(store, 'grid', { limit: 1000 });
    expect(w.pages).toEqual([{ items: 5, queries: 1, count: plan.length }]); // the written items, nothing else
  });

  it('a status filter that matches little pages on after PAGE_MAX_ITEMS batches, never reading the run at once', async () => {
    const store = new RunStore(fx.doc, await fx.freshTable());
    const from = new Date('2024-01-01T00:00:00Z');
    const plan = planWindows(from, new Date(from.getTime() + 1000 * HOUR), HOUR, 2); // 500 batch items
    await store.createRun(newRun('sparse', { rangeStart: from, rangeEnd: new Date(from.getTime() + 1000 * HOUR), windowCount: 1000, batchSize: 2 }));
    await store.putWindows('sparse', plan);
    await settle(store, 'sparse', plan, [3, 450, 999], []);
    const w = await walk(store, 'sparse', { limit: 1000, status: 'failed' });
    expect(w.windows.map((x) => x.start)).toEqual([3, 450, 999].map((i) => plan[i]!.start.toISOString()));
    expect(w.pages.length).toBe(Math.ceil(500 / PAGE_MAX_ITEMS));
    for (const p of w.pages) expect(p.items).toBeLessThanOrEqual(PAGE_MAX_ITEMS + 2);
    expect(w.pages[0]).toMatchObject({ count: 1, next: plan[2 * PAGE_MAX_ITEMS - 1]!.start.toISOString() });
  });

  it('pages from before the range and after its end; refuses a bad limit', async () => {
    const store = new RunStore(fx.doc, await fx.freshTable());
    await store.createRun(newRun('edges', { windowsOnDemand: true }));
    const before = await store.pageWindows('edges', { limit: 2, after: '2023-12-31T00:00:00.000Z' });
    expect(before).toMatchObject({ next: '2024-01-01T01:00:00.000Z' });
    expect(before.windows.map((w) => w.start)).toEqual(['2024-01-01T00:00:00.000Z', '2024-01-01T01:00:00.000Z']);
    expect(await store.pageWindows('edges', { limit: 2, after: '2024-01-01T23:00:00.000Z' })).toEqual({ windows: [] });
    const last = await store.pageWindows('edges', { limit: 2, after: '2024-01-01T21:00:00.000Z' });
    expect(last.windows.map((w) => w.start)).toEqual(['2024-01-01T22:00:00.000Z', '2024-01-01T23:00:00.000Z']);
    expect(last).not.toHaveProperty('next'); // the grid knows the run ends there
    await expect(store.pageWindows('edges', { limit: 0 })).rejects.toThrow('window page limit must be 1-1000, got 0');
    await expect(store.pageWindows('edges', { limit: 1001 })).rejects.toThrow('window page limit must be 1-1000, got 1001');
    expect(await store.pageWindows('nobody', { limit: 5 })).toEqual({ windows: [] });
  });
});
