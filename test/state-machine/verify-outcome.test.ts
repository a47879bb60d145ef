// Verify decides a run's outcome, through the synthesized state machine run locally: a
// drifted target's run ends partial with the drift on the run record; "verify": "warn"
// records it and succeeds; "skip" does not verify; a verify that cannot run is unverified
// and the run partial, never succeeded.
import { describe, expect, it } from 'vitest';
import type { FinalizeOutput } from '../../functions/engine/service/types.js';
import { startHarness, type Harness } from './fixture.js';

// Six hours are enough to show the outcome; the verdict does not depend on the range.
const SHORT = { from: '2024-03-01T00:00:00Z', to: '2024-03-01T06:00:00Z' };
const finalizeOf = (r: { output: unknown; lastStateInput?: unknown }) => ((r.output ?? r.lastStateInput) as { finalize: FinalizeOutput }).finalize;

async function withHarness(extra: Record<string, string>, fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startHarness(extra);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

describe('Verify decides the outcome', () => {
  it('a drifted ClickHouse target: require → partial with the drift on the run; warn → succeeded, drift recorded; skip → succeeded, not verified', async () => {
    await withHarness({}, async (h) => {
      const applied = await h.execute({ action: 'apply', target: 'local', version: 2 }, 'apply-clean');
      expect(applied.status, JSON.stringify(applied.error)).toBe('SUCCEEDED');
      expect(finalizeOf(applied)).toMatchObject({ status: 'succeeded', verify: { status: 'clean' } });

      await h.withDriver((d) => d.exec('ALTER TABLE events_copy MODIFY COLUMN id Int64'));
      const drifted = await h.execute({ action: 'backfill', target: 'local', version: 2, ...SHORT }, 'drifted');
      expect(drifted.status).toBe('FAILED');
      expect(drifted.error?.name).toBe('RunPartiallyFailed');
      const fin = finalizeOf(drifted);
      expect(fin).toMatchObject({ status: 'partial', windows: { failed: 0, pending: 0 }, verify: { status: 'drift' } });
      expect(fin.verify?.problem).toMatch(/1 schema difference/);
      const run = await h.env.runs.getRun('drifted');
      expect(run).toMatchObject({ status: 'partial', verify: { status: 'drift' } });
      expect(run?.error).toMatch(/verify found 1 schema difference/);

      const warned = await h.execute({ action: 'backfill', target: 'local', version: 2, ...SHORT, verify: 'warn' }, 'drifted-warn');
      expect(warned.status, JSON.stringify(warned.error)).toBe('SUCCEEDED');
      expect(finalizeOf(warned)).toMatchObject({ status: 'succeeded', verify: { status: 'drift' } });
      expect(await h.env.runs.getRun('drifted-warn')).toMatchObject({ status: 'succeeded', verify: { status: 'drift', problem: expect.stringMatching(/schema difference/) } });

      const skipped = await h.execute({ action: 'backfill', target: 'local', version: 2, ...SHORT, verify: 'skip' }, 'drifted-skip');
      expect(skipped.status, JSON.stringify(skipped.error)).toBe('SUCCEEDED');
      expect(finalizeOf(skipped).verify).toBeUndefined();
      expect((await h.env.runs.getRun('drifted-skip'))?.verify).toBeUndefined();
    });
  }, 600_000);

  it('a verify that cannot run is unverified: the run ends partial with the reason, unless the input skips verify', async () => {
    // Applies fine, but names the live database: a scratch database cannot isolate it.
    await withHarness({ '0003_side.up.sql': 'CREATE TABLE IF NOT EXISTS default.side_table (a UInt8) ENGINE = Memory;' }, async (h) => {
      const r = await h.execute({ action: 'apply', target: 'local' }, 'apply-unverified');
      expect(r.status).toBe('FAILED');
      expect(r.error?.name).toBe('RunPartiallyFailed');
      const fin = finalizeOf(r);
      expect(fin.status).toBe('partial');
      expect(fin.verify).toMatchObject({ status: 'unverified' });
      expect(fin.verify?.problem).toMatch(/^unverified: .*names database default/);

      const skipped = await h.execute({ action: 'verify', target: 'local', verify: 'skip' }, 'verify-skipped');
      expect(skipped.status, JSON.stringify(skipped.error)).toBe('SUCCEEDED');
    });
  }, 600_000);
});
