// The Apply bundle passes its invocation's deadline to the migrator (handlers/apply.ts:
// remaining time less the recording margin): with the function's timeout set to that margin,
// no statement has time left, so migration 1 is not started, the run fails, and the tracking
// row says why and names the way out (an apply from the CLI). Without the deadline the same
// apply succeeds (postgres-demo.test.ts), so this fails if the handler stops passing it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StateHandle } from '../../functions/cli/state.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { LONG_MIGRATION_HINT } from '../../functions/engine/migrator/time-budget.js';
import { RECORD_MARGIN_MS } from '../../functions/handlers/apply.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { SYNTH_TIMEOUT_MS, cloudAssembly } from './support.js';
import { openState, startDeployedTarget } from './deployed-run.js';

let pgServer: TestPostgres;
let dir: string;
let state: StateHandle;

beforeAll(async () => {
  await cloudAssembly();
  pgServer = await startTestPostgres();
  dir = mkdtempSync(join(tmpdir(), 'hourglass-deployed-deadline-'));
  state = await openState(join(dir, 'state'));
}, SYNTH_TIMEOUT_MS);

afterAll(async () => {
  await state?.close();
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('an Apply invocation with no time left past its margin starts no statement and records the migration failed with the way out', async () => {
  const url = await pgServer.createDatabase('deployed_deadline');
  const deployed = await startDeployedTarget(url, state, { migrations: 'postgres', functionTimeouts: { apply: RECORD_MARGIN_MS / 1000 } });
  try {
    const apply = await deployed.run({ action: 'apply', version: 1 }, 'deployed-pg-deadline');
    expect(apply.status).toBe('FAILED');
    expect(JSON.stringify(apply.lastStateInput)).toContain('no time left in this invocation for the next statement');
    const [tracked, absent] = await withDriver(deployed.stack.networkUrl, async (d) => [
      await d.query<{ version: number; status: string; error: string }>('SELECT version, status, error FROM hourglass_migrations ORDER BY version'),
      await d.query<{ absent: boolean }>("SELECT to_regclass('traces') IS NULL AS absent"),
    ] as const);
    expect(tracked.map((r) => [r.version, r.status])).toEqual([[1, 'failed']]);
    expect(tracked[0]!.error).toMatch(/^at statement 1 \(.*\): no time left in this invocation for the next statement \(0 ms\): /);
    expect(tracked[0]!.error.endsWith(LONG_MIGRATION_HINT)).toBe(true);
    expect(absent).toEqual([{ absent: true }]);
  } finally {
    await deployed.close();
  }
});
