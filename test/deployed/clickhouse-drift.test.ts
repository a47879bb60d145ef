// A drifted ClickHouse database through the deployed functions: a column added by hand beside
// the migrations. The backfill's Verify finds it, and the run must not end `succeeded`: it ends
// `partial`, with Verify's verdict on the run record (Finalize reads Verify, issue 9 §2).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StateHandle } from '../../functions/cli/state.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { applyDemoToCutover } from './clickhouse-cutover.js';
import { SYNTH_TIMEOUT_MS, cloudAssembly } from './support.js';
import { finalizeOf, openState, startDeployedTarget } from './deployed-run.js';

let dir: string;
let state: StateHandle;

beforeAll(async () => {
  await cloudAssembly();
  dir = mkdtempSync(join(tmpdir(), 'hourglass-deployed-drift-'));
  state = await openState(join(dir, 'state'));
}, SYNTH_TIMEOUT_MS);

afterAll(async () => {
  await state?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a backfill on a drifted database ends partial, with the drift recorded on the run', async () => {
  const url = `chdb:${join(dir, 'clickhouse')}`;
  const { cutover } = await applyDemoToCutover(url, state, { traces: 200, liveTraces: 10, days: 1, prefix: 'drift' });

  const deployed = await startDeployedTarget(url, state, { migrations: 'clickhouse', now: new Date(cutover.getTime() + 5 * 60_000) });
  try {
    await withDriver(deployed.stack.networkUrl, (d) => d.exec("ALTER TABLE traces ADD COLUMN DriftedByHand String DEFAULT ''"));
    const backfill = await deployed.run({ action: 'backfill', version: 3, runId: 'drift-backfill' }, 'drift-backfill');
    const run = finalizeOf(backfill);
    expect(backfill.status).toBe('FAILED');
    expect(run?.status, JSON.stringify(run)).toBe('partial');
    expect(run!.windows).toMatchObject({ failed: 0, pending: 0 });
    const record = await state.runs.getRun('drift-backfill');
    expect(record?.status).toBe('partial');
    expect(record).toMatchObject({ verify: { status: 'drift', problem: 'verify found 1 schema difference(s)' }, error: 'verify found 1 schema difference(s)' });

    // The scheduled verify of the same database does not end succeeded either.
    const verify = await deployed.run({ action: 'verify' }, 'drift-verify');
    expect(verify.status).toBe('FAILED');
    expect(finalizeOf(verify)).toMatchObject({ status: 'partial', verify: { status: 'drift', problem: 'verify found 1 schema difference(s)' } });
    expect((verify.lastStateInput as { verify?: unknown }).verify).toMatchObject({ status: 'drift', clean: false, differences: 1, dataMismatches: 0 });
  } finally {
    await deployed.close();
  }
});
