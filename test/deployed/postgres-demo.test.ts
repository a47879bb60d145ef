// The PostgreSQL demo migrations (migrations/postgres 0001-0005) and the hourly backfill of
// 0004's rollup through the state machine with every Task on its cdk.out bundle, reaching
// PostgreSQL over TCP (a postgres:// URL read from the local Secrets Manager), state over
// DynamoDB's endpoint. The rollup equals the same aggregate computed in one statement; then
// 0005, a TypeScript migration, runs from the bundle: the JavaScript synth compiled from it,
// so it needs neither tsx nor Node's type stripping. `npm run test:node22` runs this file on
// Node 22.17 (Lambda's nodejs22.x major, before type stripping was on by default: without the
// compiled file the import fails there), asserted through HOURGLASS_TEST_NODE_MAJOR.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StateHandle } from '../../functions/cli/state.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { SYNTH_TIMEOUT_MS, cloudAssembly } from './support.js';
import { finalizeOf, openState, startDeployedTarget } from './deployed-run.js';

const HOURS = 24;
const SPANS_PER_HOUR = 7;
let pgServer: TestPostgres;
let dir: string;
let state: StateHandle;

beforeAll(async () => {
  await cloudAssembly();
  pgServer = await startTestPostgres();
  dir = mkdtempSync(join(tmpdir(), 'hourglass-deployed-pg-'));
  state = await openState(join(dir, 'state'));
}, SYNTH_TIMEOUT_MS);

afterAll(async () => {
  await state?.close();
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ROLLUP = `SELECT bucket, service_name, model, span_count, error_count, total_tokens, total_cost_usd::text AS cost, p95_duration_ms FROM span_stats_hourly ORDER BY 1, 2, 3`;
const DIRECT = `SELECT date_trunc('hour', start_time) AS bucket, service_name, coalesce(model, 'none') AS model, count(*) AS span_count,
  count(*) FILTER (WHERE status = 'error') AS error_count, coalesce(sum(coalesce(prompt_tokens, 0) + coalesce(completion_tokens, 0)), 0) AS total_tokens,
  coalesce(sum(cost_usd), 0)::numeric(14, 6)::text AS cost, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_duration_ms
  FROM spans GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;

it('runs on the Node the run asks for (npm run test:node22: Lambda\'s major)', () => {
  const major = process.env.HOURGLASS_TEST_NODE_MAJOR;
  if (major !== undefined) expect(process.versions.node.split('.')[0]).toBe(major);
  else expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(20);
});

it('apply 0001-0004, backfill the hourly rollup, then apply the TypeScript 0005, all through the bundles over TCP', async () => {
  const url = await pgServer.createDatabase('deployed_demo');
  const deployed = await startDeployedTarget(url, state, { migrations: 'postgres' });
  try {
    const apply = await deployed.run({ action: 'apply', version: 4 }, 'deployed-pg-apply');
    expect(finalizeOf(apply), JSON.stringify(apply.lastStateInput)).toMatchObject({ status: 'succeeded' });
    expect(apply.status).toBe('SUCCEEDED');

    const start = new Date(Date.UTC(2024, 0, 1));
    await withDriver(deployed.stack.networkUrl, async (d) => {
      for (let h = 0; h < HOURS; h++) {
        const trace = `t${h}`;
        const at = new Date(start.getTime() + h * 3_600_000);
        await d.exec('INSERT INTO traces (trace_id, service_name, started_at) VALUES ({trace}, {service}, {at})', { trace, service: 'chat', at });
        for (let s = 0; s < SPANS_PER_HOUR; s++) {
          await d.exec(
            'INSERT INTO spans (span_id, trace_id, name, service_name, start_time, duration_ms, model, prompt_tokens, completion_tokens, cost_usd, status) VALUES ({id}, {trace}, {name}, {service}, {start}, {duration}, {model}, {prompt}, {completion}, {cost}, {status})',
            { id: `${trace}-${s}`, trace, name: 'llm', service: s % 2 ? 'chat' : 'search', start: new Date(at.getTime() + s * 60_000), duration: 10 + s * h, model: s % 3 ? 'gpt' : null, prompt: 100 + s, completion: 20, cost: (0.001 * (s + 1)).toFixed(6), status: s === 3 ? 'error' : 'ok' },
          );
        }
      }
    });

    // An explicit end (the run input's `to`, the CLI's --to): the file's own `to: max(start_time) + 1µs`
    // reaches the engine truncated to the millisecond, which leaves the latest span out (reported).
    const to = new Date(start.getTime() + HOURS * 3_600_000).toISOString();
    const backfill = await deployed.run({ action: 'backfill', version: 4, concurrency: 3, runId: 'deployed-pg-backfill', to }, 'deployed-pg-backfill');
    const run = finalizeOf(backfill);
    expect(run, JSON.stringify(backfill.lastStateInput)).toMatchObject({ status: 'succeeded', windows: { total: HOURS, succeeded: HOURS, failed: 0, pending: 0 } });
    expect(backfill.status).toBe('SUCCEEDED');
    const verify = (backfill.output as { verify?: { clean: boolean; summary: string } }).verify;
    expect(verify?.clean, verify?.summary).toBe(true);

    const [rollup, direct] = await withDriver(deployed.stack.networkUrl, async (d) => [await d.query(ROLLUP), await d.query(DIRECT)]);
    expect(rollup).toHaveLength(HOURS * 4);
    expect(rollup).toEqual(direct);
    expect(rollup.reduce((n, r) => n + Number((r as { span_count: unknown }).span_count), 0)).toBe(HOURS * SPANS_PER_HOUR);

    // 0005_trace_error_flag.ts through the Apply bundle: the column, the transform, the tracking row.
    const apply5 = await deployed.run({ action: 'apply', version: 5 }, 'deployed-pg-apply-5');
    expect(finalizeOf(apply5), JSON.stringify(apply5.lastStateInput)).toMatchObject({ status: 'succeeded' });
    expect(apply5.status).toBe('SUCCEEDED');
    expect((apply5.output as { apply?: { applied?: { version: number }[] } }).apply?.applied?.map((m) => m.version)).toEqual([5]);
    const [flags, tracked] = await withDriver(deployed.stack.networkUrl, async (d) => [
      await d.query<{ has_error: boolean; n: number }>('SELECT has_error, count(*)::int AS n FROM traces GROUP BY 1 ORDER BY 1'),
      await d.query<{ version: number; status: string }>("SELECT version, status FROM hourglass_migrations WHERE version = 5"),
    ]);
    expect(flags).toEqual([{ has_error: true, n: HOURS }]); // every hour has an error span
    expect(tracked).toEqual([{ version: 5, status: 'applied' }]);
    expect(deployed.logs.join('\n')).not.toContain(new URL(url).password);
  } finally {
    await deployed.close();
  }
});
