// GET /runs/{id}/windows at the documented cap, through the API function exactly as `cdk synth`
// bundles it (in the Lambda-like host: 512 MB heap, 29 s timeout): a run of 87,600 hourly
// windows (ten years) is walked page by page with limit=1000, every window arriving exactly
// once and in start order, and each request reading a bounded number of batch items, counted
// at the wire by a proxy in front of DynamoDB (dynalite): about the items its 1,000 windows lie
// in, never the run's ~2,000. A status filter pages on with `next` after a bounded number of
// items instead of reading the whole run. Both ways a run keeps its windows are walked: a
// written plan (the CLI's putWindows) and windows on demand (the Plan step's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseBatchSize, planWindows } from '../../functions/engine/backfill/windows.js';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { PAGE_MAX_ITEMS } from '../../functions/engine/state/window-pages.js';
import type { PlannedWindow, WindowStatus } from '../../functions/engine/state/records.js';
import { startDeployedHost, type DeployedHost } from '../../functions/local/deployed/deployed-host.js';
import { startDynamoFixture, type DynamoFixture } from '../state/dynamo-fixture.js';
import { newRun } from '../state/run-fixture.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';
import { SYNTH_TIMEOUT_MS, cloudAssembly, restEvent } from './support.js';

const HOUR = 3_600_000;
const WINDOWS = 87_600;
const FROM = new Date('2015-01-01T00:00:00Z');
const TO = new Date(FROM.getTime() + WINDOWS * HOUR);
const BATCH = chooseBatchSize(WINDOWS); // 44, as the Plan step chooses: 1,991 batch items
const LIMIT = 1000;
/** API Gateway's response cap. */
const RESPONSE_CAP = 6 * 1024 * 1024;
const FAILED = [5, 43_210, WINDOWS - 1];

let fx: DynamoFixture;
let proxy: CountingProxy;
let store: RunStore;
let host: DeployedHost;
const plan: PlannedWindow[] = planWindows(FROM, TO, HOUR, BATCH);
const figures: string[] = [];

beforeAll(async () => {
  const cdkOut = await cloudAssembly();
  fx = await startDynamoFixture();
  proxy = await startCountingProxy(fx.local.endpoint);
  const table = await fx.freshTable();
  store = new RunStore(fx.doc, table);
  host = startDeployedHost({ cdkOut, tableName: table, endpoints: { dynamodb: proxy.endpoint } });
  const refs = (idx: number[]) => idx.map((i) => ({ start: plan[i]!.start.toISOString(), end: plan[i]!.end.toISOString(), batch: plan[i]!.batch }));
  const shape = { rangeStart: FROM, rangeEnd: TO, windowCount: WINDOWS, batchSize: BATCH };
  for (const [runId, onDemand] of [['decade-planned', false], ['decade-grid', true]] as const) {
    await store.createRun(newRun(runId, { ...shape, ...(onDemand ? { windowsOnDemand: true } : {}) }));
    if (!onDemand) expect(await store.putWindows(runId, plan)).toBe(WINDOWS);
    await store.claimWindows(runId, refs([...FAILED, 6, 60_000]), 'w', { leaseMs: 60_000, allow: ['pending'] });
    await store.failWindows(runId, 'w', refs(FAILED), { error: new Error('boom'), durationMs: 1 });
    await store.completeWindows(runId, 'w', refs([6, 60_000]).map((r) => ({ ...r, rows: 3, durationMs: 1 })));
  }
}, SYNTH_TIMEOUT_MS);

afterAll(async () => {
  if (figures.length > 0) process.stderr.write(`api-windows-scale figures:\n  ${figures.join('\n  ')}\n`);
  await host?.close();
  await proxy?.close();
  await fx?.close();
});

interface Page {
  status: number;
  body: { runId: string; status?: string; count: number; windows: { start: string; status: string; batch: number }[]; next?: string };
  bytes: number;
  /** Batch items the request read (Query answers), its Queries, and every DynamoDB call it made. */
  items: number;
  queries: number;
  calls: number;
}

async function get(runId: string, query: Record<string, string>): Promise<Page> {
  proxy.calls.length = 0;
  const res = (await host.fn('api').invoke(restEvent('GET', '/runs/{id}/windows', { id: runId, query }))) as { statusCode: number; body: string };
  const queries = proxy.calls.filter((c) => c.operation === 'Query');
  return { status: res.statusCode, body: JSON.parse(res.body) as Page['body'], bytes: Buffer.byteLength(res.body), items: queries.reduce((n, c) => n + c.items, 0), queries: queries.length, calls: proxy.calls.length };
}

async function walk(runId: string, status?: WindowStatus): Promise<{ pages: Page[]; starts: string[]; ms: number }> {
  const began = performance.now();
  const pages: Page[] = [];
  const starts: string[] = [];
  let after: string | undefined;
  do {
    const page = await get(runId, { limit: String(LIMIT), ...(status ? { status } : {}), ...(after ? { after } : {}) });
    expect(page.status, JSON.stringify(page.body).slice(0, 300)).toBe(200);
    expect(Object.keys(page.body).sort()).toEqual(['count', 'runId', 'windows', ...(status ? ['status'] : []), ...(page.body.next ? ['next'] : [])].sort());
    expect(page.body).toMatchObject({ runId, count: page.body.windows.length, ...(status ? { status } : {}) });
    expect(page.bytes).toBeLessThan(RESPONSE_CAP);
    pages.push(page);
    starts.push(...page.body.windows.map((w) => w.start));
    if (page.body.next !== undefined) expect(after === undefined || page.body.next > after).toBe(true);
    after = page.body.next;
    expect(pages.length).toBeLessThanOrEqual(WINDOWS);
  } while (after !== undefined);
  return { pages, starts, ms: performance.now() - began };
}

const max = (pages: Page[], f: (p: Page) => number) => Math.max(...pages.map(f));

describe('GET /runs/{id}/windows over 87,600 windows', () => {
  it.each(['decade-planned', 'decade-grid'])('%s: limit=1000 walks every window once, in order, each request reading a bounded number of batch items', async (runId) => {
    const { pages, starts, ms } = await walk(runId);
    expect(starts.length).toBe(WINDOWS);
    expect(starts).toEqual(plan.map((w) => w.start.toISOString())); // every window, once, in start order
    expect(pages.length).toBe(Math.ceil(WINDOWS / LIMIT));
    expect(pages.slice(0, -1).every((p) => p.body.count === LIMIT)).toBe(true);
    // A page reads the items its windows lie in, one before (where `after` lies) and one more:
    // the same for the first page as for the 88th, and nothing near the run's item count.
    const itemsPerPage = Math.ceil(LIMIT / BATCH) + 3;
    expect(max(pages, (p) => p.items)).toBeLessThanOrEqual(itemsPerPage);
    expect(max(pages, (p) => p.queries)).toBeLessThanOrEqual(2);
    const total = pages.reduce((n, p) => n + p.items, 0);
    if (runId === 'decade-planned') expect(total).toBeLessThanOrEqual(plan[plan.length - 1]!.batch + 1 + 3 * pages.length); // each item read about once over the walk (a page rereads the one or two its neighbour ended in)
    else expect(total).toBeLessThanOrEqual(4 + pages.length); // on demand: only the written items exist
    const failed = pages.flatMap((p) => p.body.windows).filter((w) => w.status === 'failed').map((w) => w.start);
    expect(failed).toEqual(FAILED.map((i) => plan[i]!.start.toISOString()));
    figures.push(`${runId}: ${pages.length} pages in ${(ms / 1000).toFixed(1)} s, ≤${max(pages, (p) => p.items)} items / ≤${max(pages, (p) => p.queries)} Queries / ≤${max(pages, (p) => p.calls)} DynamoDB calls per request, ${total} items over the walk, largest answer ${max(pages, (p) => p.bytes)} bytes`);
  }, 600_000);

  it('status=failed on the written plan pages on with next after a bounded number of items, never reading the run at once', async () => {
    const { pages, starts, ms } = await walk('decade-planned', 'failed');
    expect(starts).toEqual(FAILED.map((i) => plan[i]!.start.toISOString()));
    const items = plan[plan.length - 1]!.batch + 1;
    // Each page examines PAGE_MAX_ITEMS batches, the first of them (after the first page) the one `after` lies in.
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(items / PAGE_MAX_ITEMS));
    expect(pages.length).toBeLessThanOrEqual(Math.ceil(items / (PAGE_MAX_ITEMS - 1)) + 1);
    expect(max(pages, (p) => p.items)).toBeLessThanOrEqual(PAGE_MAX_ITEMS + 2);
    // The first page stops after PAGE_MAX_ITEMS batches: one failed window, and where to go on.
    expect(pages[0]!.body).toMatchObject({ count: 1, next: plan[PAGE_MAX_ITEMS * BATCH - 1]!.start.toISOString() });
    expect(pages.some((p) => p.body.count === 0 && p.body.next !== undefined)).toBe(true);
    figures.push(`decade-planned status=failed: ${pages.length} pages in ${(ms / 1000).toFixed(1)} s, ≤${max(pages, (p) => p.items)} items per request (of ${items})`);
  }, 600_000);

  it('status=failed on demand reads only the written items; pending pages the grid', async () => {
    const failed = await walk('decade-grid', 'failed');
    expect(failed.starts).toEqual(FAILED.map((i) => plan[i]!.start.toISOString()));
    expect(failed.pages.map((p) => [p.body.count, p.items])).toEqual([[3, 4]]);
    const pending = await get('decade-grid', { status: 'pending', limit: '1000', after: plan[42_999]!.start.toISOString() });
    expect(pending.body.windows.map((w) => w.start)).toEqual(plan.slice(43_000, 44_001).filter((_, i) => i !== 210).map((w) => w.start.toISOString()));
    expect(pending.body.next).toBe(plan[44_000]!.start.toISOString());
    expect(pending.items).toBeLessThanOrEqual(1);
  }, 600_000);

  it('400 for a bad query and 404 for an unknown run, as before', async () => {
    expect((await get('decade-grid', { limit: '1001' })).body).toEqual({ error: '"limit" must be a whole number from 1 to 1000' });
    expect((await get('decade-grid', { after: 'later' })).status).toBe(400);
    expect((await get('nobody-here', {})).status).toBe(404);
  });
});
