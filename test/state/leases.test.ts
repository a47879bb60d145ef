import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoLeaseProvider } from '../../functions/engine/state/leases.js';
import { lockKey } from '../../functions/engine/state/keys.js';
import { LockBusyError } from '../../functions/engine/errors.js';
import { startDynamoFixture, type DynamoFixture } from './dynamo-fixture.js';
import { scrubbedEnv } from '../support/env.js';

let fx: DynamoFixture;
beforeAll(async () => {
  fx = await startDynamoFixture();
});
afterAll(async () => {
  await fx?.close();
});

/** A clock the test moves by hand: expiry is decided by the values the code computes, never by elapsed time. */
function manualClock(start = Date.parse('2024-03-01T00:00:00Z')) {
  let t = start;
  return { now: () => t, set: (ms: number) => void (t = ms), advance: (ms: number) => void (t += ms) };
}

/** The lease item as stored: who holds it and until when (epoch ms). */
async function stored(table: string, key: string): Promise<{ owner?: string; leaseExpiresAt?: number }> {
  const out = await fx.doc.send(new GetCommand({ TableName: table, Key: lockKey(key), ConsistentRead: true }));
  return (out.Item ?? {}) as { owner?: string; leaseExpiresAt?: number };
}

async function storedOwner(table: string, key: string): Promise<string | undefined> {
  return (await stored(table, key)).owner;
}

/** The document client, counting the conditional puts (acquire attempts) that go through it. */
function countingPuts(): { doc: DynamoDBDocumentClient; puts: () => number } {
  let puts = 0;
  const doc = {
    send: (command: unknown) => {
      if (command instanceof PutCommand) puts++;
      return fx.doc.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  return { doc, puts: () => puts };
}

/** Waits for a condition on the store, however slow the machine (no elapsed-time assertion). */
const eventually = (check: () => Promise<void> | void) => vi.waitFor(check, { timeout: 60_000, interval: 20 });

/** Starts a child process that takes the lease and keeps it until killed. */
async function holdInChild(table: string, key: string, owner: string, ttlMs: number) {
  const script = fileURLToPath(new URL('./fixtures/hold-lease.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, fx.local.endpoint, table, key, owner, String(ttlMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: scrubbedEnv(),
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('held') && resolve());
    child.once('exit', (code) => reject(new Error(`lease holder exited early with code ${code}`)));
  });
  return child;
}

describe('DynamoLeaseProvider', () => {
  it('refuses a second owner while the lease is live, polling until its own deadline, naming the holder and the expiry', async () => {
    const table = await fx.freshTable();
    const clock = manualClock(); // bob's; alice's stays put, so her renewals cannot move the expiry
    const t0 = clock.now();
    const leases = new DynamoLeaseProvider(fx.doc, table, { pollMs: 5, now: manualClock(t0).now });
    const held = await leases.acquire('target-a', 'alice', { ttlMs: 60_000, timeoutMs: 0 });
    expect(await stored(table, 'target-a')).toMatchObject({ owner: 'alice', leaseExpiresAt: t0 + 60_000 });

    const counted = countingPuts();
    const bob = new DynamoLeaseProvider(counted.doc, table, { pollMs: 5, now: clock.now });
    let settledAt: number | undefined;
    const refused = bob.acquire('target-a', 'bob', { ttlMs: 60_000, timeoutMs: 300 }).catch((e: unknown) => e).finally(() => (settledAt = clock.now()));
    await eventually(() => expect(counted.puts()).toBeGreaterThanOrEqual(3)); // polling, not giving up
    expect(settledAt).toBeUndefined(); // its clock has not reached the deadline: still waiting
    clock.advance(300);
    const error = await refused;
    expect(error).toBeInstanceOf(LockBusyError);
    expect((error as LockBusyError).message).toBe(`lock target-a is held by alice until ${new Date(t0 + 60_000).toISOString()}`);
    expect(settledAt).toBe(t0 + 300);
    expect(await storedOwner(table, 'target-a')).toBe('alice');
    // Another key is independent, and the same owner may take its own lease again.
    const other = await leases.acquire('target-b', 'bob', { ttlMs: 60_000, timeoutMs: 0 });
    const again = await leases.acquire('target-a', 'alice', { ttlMs: 60_000, timeoutMs: 0 });
    await other.release();
    await again.release();
    await held.release();
  });

  it('waits for a live holder to release within timeoutMs', async () => {
    const table = await fx.freshTable();
    const clock = manualClock(); // never reaches bob's deadline: only alice's release lets him in
    const leases = new DynamoLeaseProvider(fx.doc, table, { pollMs: 5, now: clock.now });
    const held = await leases.acquire('k', 'alice', { ttlMs: 60_000, timeoutMs: 0 });
    const counted = countingPuts();
    const waiting = new DynamoLeaseProvider(counted.doc, table, { pollMs: 5, now: clock.now }).acquire('k', 'bob', { ttlMs: 60_000, timeoutMs: 5_000 });
    await eventually(() => expect(counted.puts()).toBeGreaterThanOrEqual(2)); // refused at least once
    expect(await storedOwner(table, 'k')).toBe('alice');
    await held.release();
    const bob = await waiting;
    expect(await storedOwner(table, 'k')).toBe('bob');
    await bob.release();
  });

  it('lets another owner in after a crashed holder’s lease expires, not before', async () => {
    const table = await fx.freshTable();
    // A long ttl: the child renews every ttl/3 (20 s), so the stored expiry is stable while we look.
    const child = await holdInChild(table, 'crashy', 'alice-pid', 60_000);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const { owner, leaseExpiresAt } = await stored(table, 'crashy');
    expect(owner).toBe('alice-pid');
    const expiry = leaseExpiresAt!;

    const clock = manualClock(expiry - 60_000);
    const leases = new DynamoLeaseProvider(fx.doc, table, { pollMs: 5, now: clock.now });
    const busy = `lock crashy is held by alice-pid until ${new Date(expiry).toISOString()}`;
    await expect(leases.acquire('crashy', 'bob', { ttlMs: 60_000, timeoutMs: 0 })).rejects.toThrow(busy); // just taken
    clock.set(expiry);
    await expect(leases.acquire('crashy', 'bob', { ttlMs: 60_000, timeoutMs: 0 })).rejects.toThrow(busy); // its last instant
    clock.set(expiry + 1);
    const bob = await leases.acquire('crashy', 'bob', { ttlMs: 60_000, timeoutMs: 0 });
    expect(await stored(table, 'crashy')).toMatchObject({ owner: 'bob', leaseExpiresAt: expiry + 1 + 60_000 });
    await bob.release();
  });

  it('keeps renewing a held lease so a long holder does not lose it', async () => {
    const table = await fx.freshTable();
    const clock = manualClock();
    const t0 = clock.now();
    const leases = new DynamoLeaseProvider(fx.doc, table, { pollMs: 5, now: clock.now });
    const held = await leases.acquire('long', 'alice', { ttlMs: 300, timeoutMs: 0 });
    expect((await stored(table, 'long')).leaseExpiresAt).toBe(t0 + 300);
    // Far past the first expiry: only the renewal timer (every ttl/3) can have moved it.
    clock.set(t0 + 1_000);
    await eventually(async () => expect((await stored(table, 'long')).leaseExpiresAt).toBe(t0 + 1_300));
    await expect(leases.acquire('long', 'bob', { ttlMs: 300, timeoutMs: 0 })).rejects.toThrow(`held by alice until ${new Date(t0 + 1_300).toISOString()}`);
    clock.set(t0 + 2_000);
    await held.renew();
    expect((await stored(table, 'long')).leaseExpiresAt).toBe(t0 + 2_300);
    await held.release();
    const bob = await leases.acquire('long', 'bob', { ttlMs: 300, timeoutMs: 0 });
    expect(await storedOwner(table, 'long')).toBe('bob');
    await bob.release();
    expect(await storedOwner(table, 'long')).toBeUndefined();
  });

  it('a non-owner cannot release, and a holder whose lease was taken over cannot remove the new lock', async () => {
    const table = await fx.freshTable();
    const leases = new DynamoLeaseProvider(fx.doc, table, { pollMs: 20 });
    const held = await leases.acquire('k', 'alice', { ttlMs: 60_000, timeoutMs: 0 });
    expect(await leases.release('k', 'mallory')).toBe(false);
    expect(await storedOwner(table, 'k')).toBe('alice');
    await held.release();
    expect(await storedOwner(table, 'k')).toBeUndefined();
    // A second release of the same handle is a no-op; releasing a free lock reports false.
    await held.release();
    expect(await leases.release('k', 'alice')).toBe(false);
    await expect(held.renew()).rejects.toBeInstanceOf(LockBusyError);
  });
});
