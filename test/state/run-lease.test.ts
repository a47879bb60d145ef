// The run lease on dynalite: one run per target and version, renewals by the same run, a
// release that never frees another run's lease, and an expired lease taken over.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunLeaseHeldError } from '../../functions/engine/errors.js';
import { RunLeases } from '../../functions/engine/state/run-lease.js';
import { startDynamoFixture, type DynamoFixture } from './dynamo-fixture.js';

let fx: DynamoFixture;
let table: string;
let clock = 1_000_000;
const leases = () => new RunLeases(fx.doc, table, { now: () => clock, ttlMs: 60_000 });
const A = { targetName: 'analytics', version: 3, runId: 'run-a' };
const B = { targetName: 'analytics', version: 3, runId: 'run-b' };

beforeAll(async () => {
  fx = await startDynamoFixture();
});
afterAll(async () => fx?.close());
beforeEach(async () => {
  table = await fx.freshTable();
  clock = 1_000_000;
});

describe('run lease', () => {
  it('refuses another run with the holder run id, and lets the same run renew it', async () => {
    expect(await leases().take(A)).toBe(true);
    const refused = await leases().take(B).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RunLeaseHeldError);
    expect((refused as RunLeaseHeldError).holderRunId).toBe('run-a');
    expect((refused as Error).message).toBe(`a backfill of migration 3 on target analytics is already running as run run-a (lease until ${new Date(1_060_000).toISOString()}): wait for it to end, or resume that run`);
    clock += 30_000;
    expect(await leases().take(A)).toBe(false); // renewed, not taken
    expect(await leases().holder('analytics', 3)).toEqual({ runId: 'run-a', leaseExpiresAt: 1_090_000 });
  });

  it('is per target and version', async () => {
    await leases().take(A);
    await expect(leases().take({ ...B, version: 4 })).resolves.toBe(true);
    await expect(leases().take({ ...B, targetName: 'billing' })).resolves.toBe(true);
  });

  it('never releases another run\'s lease; released, the next run takes it', async () => {
    await leases().take(A);
    expect(await leases().release(B)).toBe(false);
    expect(await leases().holder('analytics', 3)).toMatchObject({ runId: 'run-a' });
    expect(await leases().release(A)).toBe(true);
    expect(await leases().holder('analytics', 3)).toBeNull();
    expect(await leases().take(B)).toBe(true);
  });

  it('lets another run take a lease nobody renewed past its expiry, and then refuses the old holder', async () => {
    await leases().take(A);
    clock += 60_001;
    expect(await leases().holder('analytics', 3)).toBeNull();
    expect(await leases().take(B)).toBe(true);
    await expect(leases().take(A)).rejects.toThrow(/already running as run run-b/);
  });

  it('one of two runs racing for a free lease wins, the other is refused', async () => {
    const results = await Promise.allSettled([leases().take(A), leases().take(B)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(RunLeaseHeldError);
  });
});
