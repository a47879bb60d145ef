import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function storedOwner(table: string, key: string): Promise<string | undefined> {
  const out = await fx.doc.send(new GetCommand({ TableName: table, Key: lockKey(key), ConsistentRead: true }));
  return out.Item?.owner as string | undefined;
}

/** Starts a child process that takes the lease and keeps renewing it until killed. */
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
  it('refuses a second owner while the lease is live, naming the holder and the expiry', async () => {
    const table = await fx.freshTable();
    const leases = new DynamoLeaseProvider(fx.doc, table, { pollMs: 20 });
    const held = await leases.acquire('target-a', 'alice', { ttlMs: 60_000, timeoutMs: 0 });
    const started = Date.now();
    const error = await leases.acquire('target-a', 'bob', { ttlMs: 60_000, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockBusyError);
    expect((error as LockBusyError).message).toMatch(/^lock target-a is held by alice until \d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250); // it waited out the timeout, polling
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
    const leases = new DynamoLeaseProvider(fx.doc, table, { pollMs: 20 });
    const held = await leases.acquire('k', 'alice', { ttlMs: 60_000, timeoutMs: 0 });
    setTimeout(() => void held.release(), 200);
    const bob = await leases.acquire('k', 'bob', { ttlMs: 60_000, timeoutMs: 5_000 });
    expect(await storedOwner(table, 'k')).toBe('bob');
    await bob.release();
  });

  it('lets another owner in after a crashed holder’s lease expires, not before', async () => {
    const table = await fx.freshTable();
    const ttlMs = 600;
    const child = await holdInChild(table, 'crashy', 'alice-pid', ttlMs);
    const leases = new DynamoLeaseProvider(fx.doc, table, { pollMs: 20 });
    try {
      // Alive and renewing: still held after more than one ttl.
      await sleep(ttlMs * 1.5);
      await expect(leases.acquire('crashy', 'bob', { ttlMs, timeoutMs: 0 })).rejects.toThrow(/held by alice-pid/);
    } finally {
      child.kill('SIGKILL');
    }
    const killedAt = Date.now();
    const bob = await leases.acquire('crashy', 'bob', { ttlMs, timeoutMs: ttlMs * 4 });
    const waited = Date.now() - killedAt;
    expect(await storedOwner(table, 'crashy')).toBe('bob');
    expect(waited).toBeGreaterThan(ttlMs / 3); // it had to wait for the expiry, it did not walk in
    expect(waited).toBeLessThan(ttlMs * 3);
    await bob.release();
  });

  it('keeps renewing a held lease so a long holder does not lose it', async () => {
    const table = await fx.freshTable();
    const leases = new DynamoLeaseProvider(fx.doc, table, { pollMs: 20 });
    const held = await leases.acquire('long', 'alice', { ttlMs: 300, timeoutMs: 0 });
    await sleep(1_000); // > 3 × ttl
    await expect(leases.acquire('long', 'bob', { ttlMs: 300, timeoutMs: 0 })).rejects.toThrow(/held by alice/);
    await held.renew();
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
