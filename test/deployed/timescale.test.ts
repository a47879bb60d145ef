// The TimescaleDB example (migrations/timescale) through the state machine with every Task on
// its cdk.out bundle: the embedded TimescaleDB (pglite:) served on 127.0.0.1 and reached over
// TCP from a postgres:// URL in the local Secrets Manager, as a real TimescaleDB server would be.
// apply → the hourly `refresh` backfill of the continuous aggregate → verify, and the aggregate
// equals time_bucket computed directly, bucket for bucket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StateHandle } from '../../functions/cli/state.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { SYNTH_TIMEOUT_MS, cloudAssembly } from './support.js';
import { finalizeOf, openState, startDeployedTarget } from './deployed-run.js';

let dir: string;
let state: StateHandle;

beforeAll(async () => {
  await cloudAssembly();
  dir = mkdtempSync(join(tmpdir(), 'hourglass-deployed-ts-'));
  state = await openState(join(dir, 'state'));
}, SYNTH_TIMEOUT_MS);

afterAll(async () => {
  await state?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ROLLUP = `SELECT bucket, metric_name, samples::int AS samples, round(avg_value::numeric, 6)::text AS avg_value, max_value FROM metric_stats_hourly ORDER BY 1, 2`;
const DIRECT = `SELECT time_bucket('1 hour', timestamp) AS bucket, metric_name, count(*)::int AS samples, round(avg(value)::numeric, 6)::text AS avg_value, max(value) AS max_value
  FROM metric_data_points GROUP BY 1, 2 ORDER BY 1, 2`;

it('apply, the refresh backfill of the hourly aggregate, then verify, all through the bundles over TCP', async () => {
  const deployed = await startDeployedTarget(`pglite:${join(dir, 'tsdb')}`, state, { migrations: 'timescale' });
  try {
    const apply = await deployed.run({ action: 'apply' }, 'deployed-ts-apply');
    expect(finalizeOf(apply), JSON.stringify(apply.lastStateInput)).toMatchObject({ status: 'succeeded' });

    // A day of samples, every 10 minutes for three metrics, values varying by time and metric.
    const inserted = await withDriver(deployed.stack.networkUrl, (d) => d.query<{ n: number }>(
      `WITH ins AS (INSERT INTO metric_data_points (id, metric_name, timestamp, value)
         SELECT gen_random_uuid(), m, t, (extract(epoch FROM t)::bigint / 600 % 37) + length(m)
           FROM generate_series({from}::timestamptz, {to}::timestamptz - interval '1 second', interval '10 minutes') t,
                unnest(ARRAY['latency_ms', 'tokens', 'cost_usd']) m RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      { from: new Date('2024-03-01T00:00:00Z'), to: new Date('2024-03-02T00:00:00Z') },
    ));
    expect(inserted).toEqual([{ n: 24 * 6 * 3 }]);

    const backfill = await deployed.run({ action: 'backfill', version: 2 }, 'deployed-ts-backfill');
    expect(finalizeOf(backfill), JSON.stringify(backfill.lastStateInput)).toMatchObject({ status: 'succeeded', windows: { total: 24, succeeded: 24, failed: 0 } });
    const [rollup, direct] = await withDriver(deployed.stack.networkUrl, async (d) => [await d.query(ROLLUP), await d.query(DIRECT)]);
    expect(rollup).toHaveLength(24 * 3);
    expect(rollup).toEqual(direct);

    const verify = await deployed.run({ action: 'verify' }, 'deployed-ts-verify');
    expect(verify.status, JSON.stringify(verify.lastStateInput)).toBe('SUCCEEDED');
  } finally {
    await deployed.close();
  }
}, 600_000);
