// The state machine's Apply step is gated too: the synthesized definition run locally, a
// pending migration with an MV POPULATE: the run fails with LintFailedError in Finalize's
// error, and no migration ran (the tracking table was never created).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinalizeOutput } from '../../functions/engine/service/types.js';
import { startHarness, type Harness } from '../state-machine/fixture.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ '0003_trends.up.sql': 'CREATE MATERIALIZED VIEW IF NOT EXISTS trends ENGINE = SummingMergeTree ORDER BY id POPULATE AS SELECT id, count() AS n FROM events GROUP BY id;' });
});
afterAll(async () => h?.close());

describe('Apply step', () => {
  it('refuses error-level lint findings before any statement runs', async () => {
    const r = await h.execute({ action: 'apply', target: 'local' }, 'apply-lint');
    expect(r.status).toBe('FAILED');
    expect(r.statesEntered).not.toContain('Plan');
    const finalize = ((r.output ?? r.lastStateInput) as { finalize: FinalizeOutput }).finalize;
    expect(finalize).toMatchObject({ status: 'failed' });
    expect(finalize.error).toMatch(/^LintFailedError: lint refused the migrations before any statement ran: 0003_trends\.up\.sql:1 mv-populate/);
    await h.withDriver(async (d) => {
      expect(await d.readTracking()).toEqual([]);
      expect(await d.query("SELECT name FROM system.tables WHERE database = currentDatabase() AND name = 'events'")).toEqual([]);
    });
  });
});
