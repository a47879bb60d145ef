// Short window leases on dynalite: the heartbeat keeps a running window's lease ahead of its
// expiry and stops when the lease is lost; a resume takes back at once a lease whose holder
// process is gone from this host, and never one of a live process, another host, or a
// holder that recorded no pid (a Lambda worker).
import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { keepWindowLeases } from '../../functions/engine/state/lease-heartbeat.js';
import { holderIsGone, thisProcess } from '../../functions/engine/state/lease-holder.js';
import { reclaimDeadHolders } from '../../functions/engine/service/continue-plan.js';
import { startDynamoFixture, type DynamoFixture } from './dynamo-fixture.js';
import { hourlyPlan, newRun } from './run-fixture.js';

let fx: DynamoFixture;
beforeAll(async () => {
  fx = await startDynamoFixture();
});
afterAll(async () => {
  await fx?.close();
});

const HOUR = 3_600_000;

async function plannedRun(runId: string, holder?: { pid: number; host: string }): Promise<{ table: string; store: RunStore; starts: string[] }> {
  const table = await fx.freshTable();
  const store = new RunStore(fx.doc, table, holder ? { holder } : {});
  await store.createRun(newRun(runId));
  const plan = hourlyPlan(4);
  await store.putWindows(runId, plan);
  return { table, store, starts: plan.map((w) => w.start.toISOString()) };
}

async function lease(store: RunStore, runId: string, start: string): Promise<number> {
  return (await store.listWindows(runId)).find((w) => w.start === start)!.leaseExpiresAt!;
}

/** A pid that existed a moment ago and does not now. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid;
  expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  return pid;
}

describe('heartbeat', () => {
  it('renews a running window past its first expiry, so a claimer after that time still loses; without it the claimer wins', async () => {
    const { store, starts } = await plannedRun('beat');
    const leaseMs = 3_000;
    const [kept, unkept] = [starts[0]!, starts[1]!];
    await store.claimWindow('beat', kept, 'worker', { leaseMs, allow: ['pending'] });
    await store.claimWindow('beat', unkept, 'worker', { leaseMs, allow: ['pending'] });
    const firstExpiry = await lease(store, 'beat', kept);
    const heartbeat = keepWindowLeases(store, 'beat', 'worker', [kept], leaseMs);
    try {
      await vi.waitFor(async () => expect(await lease(store, 'beat', kept)).toBeGreaterThan(firstExpiry + 1), { timeout: 60_000, interval: 200 });
      // A claimer at a time the first lease had run out: the renewed lease holds.
      const after = firstExpiry + 1;
      expect(await store.claimWindow('beat', kept, 'other', { leaseMs, allow: ['pending'], now: after })).toBeNull();
      const unkeptAfter = (await lease(store, 'beat', unkept)) + 1;
      expect(await store.claimWindow('beat', unkept, 'other', { leaseMs, allow: ['pending'], now: unkeptAfter })).toMatchObject({ leaseOwner: 'other', attempts: 2 });
      expect(heartbeat.lost).toBe(false);
    } finally {
      heartbeat.stop();
    }
  });

  it('stops renewing a lease another worker took after it expired, and never extends the taker\'s lease', async () => {
    const { store, starts } = await plannedRun('lost');
    const leaseMs = 3_000;
    const first = await store.claimWindow('lost', starts[0]!, 'slow', { leaseMs, allow: ['pending'] });
    const taken = await store.claimWindow('lost', starts[0]!, 'taker', { leaseMs: HOUR, allow: ['pending'], now: first!.leaseExpiresAt! + 1 });
    expect(taken).toMatchObject({ leaseOwner: 'taker' });
    const heartbeat = keepWindowLeases(store, 'lost', 'slow', [starts[0]!], leaseMs);
    try {
      await vi.waitFor(() => expect(heartbeat.lost).toBe(true), { timeout: 60_000, interval: 100 });
    } finally {
      heartbeat.stop();
    }
    expect((await store.listWindows('lost'))[0]).toMatchObject({ status: 'running', leaseOwner: 'taker', leaseExpiresAt: taken!.leaseExpiresAt });
  });

  it('renews only the owner\'s running lease: not another owner\'s, not a finished window', async () => {
    const { store, starts } = await plannedRun('owner');
    await store.claimWindow('owner', starts[0]!, 'a', { leaseMs: 60_000, allow: ['pending'] });
    expect(await store.renewWindowLease('owner', starts[0]!, 'b', HOUR)).toBe(false);
    expect(await store.renewWindowLease('owner', starts[0]!, 'a', HOUR)).toBe(true);
    await store.completeWindow('owner', starts[0]!, 'a', { rows: 1, durationMs: 1 });
    expect(await store.renewWindowLease('owner', starts[0]!, 'a', HOUR)).toBe(false);
    expect(await store.renewWindowLease('owner', starts[1]!, 'a', HOUR)).toBe(false); // pending, unclaimed
    expect((await store.listWindows('owner'))[0]).toMatchObject({ status: 'succeeded' });
    expect((await store.listWindows('owner'))[0]!.leaseExpiresAt).toBeUndefined();
  });
});

describe('a lease whose holder process is gone', () => {
  it('is recorded with the holder\'s pid and host, and taken back at once by a resume on this host', async () => {
    const pid = deadPid();
    const { table, store, starts } = await plannedRun('dead', { pid, host: hostname() });
    expect(await store.claimWindow('dead', starts[1]!, 'killed-worker', { leaseMs: HOUR, allow: ['pending'] })).toMatchObject({ leasePid: pid, leaseHost: hostname() });
    const resumer = new RunStore(fx.doc, table, { holder: thisProcess() });
    expect(await reclaimDeadHolders(resumer, 'dead')).toBe(1);
    const w = (await resumer.listWindows('dead'))[1]!;
    expect(w).toMatchObject({ status: 'pending', attempts: 1 });
    expect(w.leaseOwner ?? w.leasePid ?? w.leaseHost).toBeUndefined();
    expect((await resumer.getRun('dead'))?.counts).toMatchObject({ running: 0 });
    // Now anyone may claim it, well within the hour the dead holder's lease had left.
    expect(await resumer.claimWindow('dead', starts[1]!, 'resumer', { leaseMs: 60_000, allow: ['pending'] })).toMatchObject({ attempts: 2, leasePid: process.pid });
  });

  it('is not taken from a live process, from this process, from another host, or when no pid was recorded', async () => {
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    try {
      const here = hostname();
      const holders = [{ pid: live.pid!, host: here }, { pid: process.pid, host: here }, { pid: deadPid(), host: `not-${here}` }];
      const { table, starts } = await plannedRun('alive');
      for (const [i, holder] of holders.entries()) {
        const store = new RunStore(fx.doc, table, { holder });
        expect(await store.claimWindow('alive', starts[i]!, `w${i}`, { leaseMs: HOUR, allow: ['pending'] })).not.toBeNull();
      }
      // A Lambda worker records no pid: its lease only expires.
      const plain = new RunStore(fx.doc, table);
      expect(await plain.claimWindow('alive', starts[3]!, 'lambda', { leaseMs: HOUR, allow: ['pending'] })).not.toBeNull();
      expect(await reclaimDeadHolders(plain, 'alive')).toBe(0);
      expect((await plain.listWindows('alive')).map((w) => [w.status, w.leaseOwner])).toEqual([['running', 'w0'], ['running', 'w1'], ['running', 'w2'], ['running', 'lambda']]);
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('a claim with no holder clears the pid an earlier holder left, so it can never vouch for the new lease', async () => {
    const { table, store, starts } = await plannedRun('clear', { pid: deadPid(), host: hostname() });
    const first = await store.claimWindow('clear', starts[0]!, 'local', { leaseMs: 60_000, allow: ['pending'] });
    // The local lease expires; a Lambda worker (no holder) takes the window over.
    const plain = new RunStore(fx.doc, table);
    expect(await plain.claimWindow('clear', starts[0]!, 'lambda', { leaseMs: HOUR, allow: ['pending'], now: first!.leaseExpiresAt! + 1 })).not.toBeNull();
    const w = (await plain.listWindows('clear'))[0]!;
    expect(w).toMatchObject({ leaseOwner: 'lambda' });
    expect(w.leasePid).toBeUndefined();
    expect(await reclaimDeadHolders(plain, 'clear')).toBe(0);
  });

  it('holderIsGone: only a vanished pid on this host', () => {
    const here = thisProcess();
    expect(holderIsGone({ pid: deadPid(), host: here.host })).toBe(true);
    expect(holderIsGone({ pid: here.pid, host: here.host })).toBe(false);
    expect(holderIsGone({ pid: deadPid(), host: 'elsewhere' })).toBe(false);
    expect(holderIsGone({ host: here.host })).toBe(false);
    expect(holderIsGone({ pid: -1, host: here.host })).toBe(false);
  });
});
