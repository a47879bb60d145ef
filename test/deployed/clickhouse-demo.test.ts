// The zero-downtime rebuild of the demo (migrations/clickhouse: 0003 new table + cut-over view,
// hourly backfill, verify, 0004 swap, 0005 retire) through the state machine with every Task
// on its cdk.out bundle, reaching embedded ClickHouse only over HTTP (clickhouse://, the chdb
// HTTP endpoint), its URL only through the local Secrets Manager, state only through DynamoDB's
// endpoint. Every source row lands exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SPANS_PER_TRACE } from '../../functions/cli/commands/demo-data.js';
import { applyDemoToCutover } from './clickhouse-cutover.js';
import type { StateHandle } from '../../functions/cli/state.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { SYNTH_TIMEOUT_MS, cloudAssembly } from './support.js';
import { finalizeOf, openState, startDeployedTarget } from './deployed-run.js';

const TRACES = 2_000;
const LIVE_TRACES = 50;
let dir: string;
let state: StateHandle;

beforeAll(async () => {
  await cloudAssembly();
  dir = mkdtempSync(join(tmpdir(), 'hourglass-deployed-ch-'));
  state = await openState(join(dir, 'state'));
}, SYNTH_TIMEOUT_MS);

afterAll(async () => {
  await state?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function count(url: string, sql: string): Promise<number> {
  return withDriver(url, async (d) => Number(Object.values((await d.query(sql))[0] ?? { n: 0 })[0]));
}

it('apply, backfill with exact counts, verify and swap, all through the bundles over HTTP', async () => {
  const url = `chdb:${join(dir, 'clickhouse')}`;
  // Phase 1, the real clock: apply 0001-0003, spans before and after the cut-over.
  const { cutover, networkUrl, logs } = await applyDemoToCutover(url, state, { traces: TRACES, liveTraces: LIVE_TRACES, days: 2, prefix: 'deployed-ch' });
  expect(networkUrl).toMatch(/^clickhouse:\/\/hourglass:[0-9a-f]+@127\.0\.0\.1:\d+\//);
  expect(logs.join('\n')).not.toContain(new URL(networkUrl.replace('clickhouse:', 'http:')).password);

  // Phase 2, a clock pinned past the cut-over (HOURGLASS_NOW, as the demo fast-forwards): backfill, then swap.
  const second = await startDeployedTarget(url, state, { migrations: 'clickhouse', now: new Date(cutover.getTime() + 5 * 60_000) });
  try {
    const backfill = await second.run({ action: 'backfill', version: 3, concurrency: 4, runId: 'deployed-ch-backfill' }, 'deployed-ch-backfill');
    const run = finalizeOf(backfill);
    expect(backfill.error).toBeUndefined();
    expect(run).toMatchObject({ status: 'succeeded', windows: { failed: 0, pending: 0 } });
    expect(run!.windows!.succeeded).toBe(run!.windows!.total);
    expect(run!.windows!.total).toBeGreaterThanOrEqual(48);
    expect(backfill.status).toBe('SUCCEEDED');
    expect(new Set(backfill.statesEntered)).toEqual(new Set(['ValidateInput', 'PrepareRun', 'RouteAction', 'Apply', 'NeedsBackfill', 'Plan', 'BackfillWindows', 'RunWindowBatch', 'BatchMore', 'BatchDone', 'Verify', 'Finalize', 'RunOutcome', 'RunSucceeded']));
    // The Map ran batches in parallel: each in its own execution environment of the window function.
    expect(second.stack.host.fn('window').coldStarts).toBeGreaterThan(1);

    const net = second.stack.networkUrl;
    const expected = await count(net, "SELECT count() FROM otel_traces WHERE ParentSpanId = ''");
    expect(expected).toBe(TRACES + LIVE_TRACES);
    expect(await count(net, 'SELECT count() FROM traces_new')).toBe(expected);
    expect(await count(net, 'SELECT uniqExact(TraceId, SpanId) FROM traces_new')).toBe(expected);
    expect(run!.rows).toBe(TRACES);
    const verify = (backfill.output as { verify?: { clean: boolean; summary: string } }).verify;
    expect(verify?.clean, verify?.summary).toBe(true);

    // resume through the bundles: nothing is left, so no batch runs and the counts stand.
    const resumed = await second.run({ action: 'resume', runId: 'deployed-ch-backfill' }, 'deployed-ch-resume');
    expect(resumed.status, JSON.stringify(resumed.error)).toBe('SUCCEEDED');
    expect(finalizeOf(resumed)).toMatchObject({ status: 'succeeded', windows: { total: run!.windows!.total, succeeded: run!.windows!.total, failed: 0, pending: 0 }, rows: TRACES });
    expect(resumed.statesEntered).toEqual(expect.arrayContaining(['Plan', 'BackfillWindows', 'Verify', 'Finalize', 'RunSucceeded']));
    expect(resumed.statesEntered).not.toContain('Apply');
    expect(resumed.statesEntered).not.toContain('RunWindowBatch');
    expect(await count(net, 'SELECT count() FROM traces_new')).toBe(expected);

    const swap = await second.run({ action: 'apply' }, 'deployed-ch-swap');
    expect(swap.status).toBe('SUCCEEDED');
    expect(await count(net, 'SELECT count() FROM traces')).toBe(expected);
    expect(await count(net, "SELECT count() FROM traces WHERE SpanId != ''")).toBe(expected);
    expect(await count(net, `SELECT count() FROM otel_traces`)).toBe((TRACES + LIVE_TRACES) * SPANS_PER_TRACE);
  } finally {
    await second.close();
  }
});
