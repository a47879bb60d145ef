// Leases (expiring locks) in the state table, for targets without a lock of their own
// (ClickHouse migrations). One item per key; taking it is a conditional PutItem that only
// succeeds when nobody holds it, the holder's lease has expired, or we already hold it.
// A holder that crashes blocks others for at most ttlMs; a live holder keeps renewing.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { LockBusyError, UsageError } from '../errors.js';
import type { Lease, LeaseProvider } from '../drivers/lease.js';
import { lockKey } from './keys.js';

export interface HeldLease extends Lease {
  /** Extends the lease by ttlMs now (it is also renewed every ttlMs/3 automatically). Throws LockBusyError if it was lost. */
  renew(): Promise<void>;
}

export interface DynamoLeaseOptions {
  /** How often a waiting acquire retries. */
  pollMs?: number;
  /** Clock, in epoch ms (tests). */
  now?: () => number;
}

/** Lock items outlive their lease in AWS by a day, then TTL removes abandoned ones. */
const TTL_GRACE_SECONDS = 24 * 3600;

export class DynamoLeaseProvider implements LeaseProvider {
  private readonly pollMs: number;
  private readonly now: () => number;

  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string, options: DynamoLeaseOptions = {}) {
    this.pollMs = options.pollMs ?? 100;
    this.now = options.now ?? Date.now;
  }

  async acquire(key: string, owner: string, opts: { ttlMs: number; timeoutMs: number }): Promise<HeldLease> {
    if (owner === '') throw new UsageError('lease owner is empty');
    if (!(opts.ttlMs > 0)) throw new UsageError(`lease ttl must be positive, got ${opts.ttlMs}`);
    const deadline = this.now() + Math.max(0, opts.timeoutMs);
    for (;;) {
      if (await this.tryPut(key, owner, opts.ttlMs)) return this.hold(key, owner, opts.ttlMs);
      if (this.now() >= deadline) break;
      await sleep(Math.min(this.pollMs, Math.max(1, deadline - this.now())));
    }
    const holder = await this.holder(key);
    if (holder === null) {
      // Released or expired in the instant since our last attempt: one more try, not another wait.
      if (await this.tryPut(key, owner, opts.ttlMs)) return this.hold(key, owner, opts.ttlMs);
    }
    const who = holder?.owner ?? 'another owner';
    const until = holder ? new Date(holder.leaseExpiresAt).toISOString() : 'unknown';
    throw new LockBusyError(`lock ${key} is held by ${who} until ${until}`);
  }

  /** Deletes the lock if `owner` holds it; false (and nothing changed) if someone else does or nobody does. */
  async release(key: string, owner: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: lockKey(key),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The current holder, or null when the lock is free (absent or expired). */
  async holder(key: string): Promise<{ owner: string; leaseExpiresAt: number } | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: lockKey(key), ConsistentRead: true }));
    const item = out.Item as { owner?: string; leaseExpiresAt?: number } | undefined;
    if (!item?.owner || typeof item.leaseExpiresAt !== 'number' || item.leaseExpiresAt < this.now()) return null;
    return { owner: item.owner, leaseExpiresAt: item.leaseExpiresAt };
  }

  private async tryPut(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const leaseExpiresAt = now + ttlMs;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...lockKey(key), owner, leaseExpiresAt, expiresAt: Math.ceil(leaseExpiresAt / 1000) + TTL_GRACE_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseExpiresAt < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now, ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async extend(key: string, owner: string, ttlMs: number): Promise<void> {
    const leaseExpiresAt = this.now() + ttlMs;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: lockKey(key),
          UpdateExpression: 'SET leaseExpiresAt = :until, expiresAt = :ttl',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':until': leaseExpiresAt, ':ttl': Math.ceil(leaseExpiresAt / 1000) + TTL_GRACE_SECONDS, ':owner': owner },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new LockBusyError(`lock ${key} was lost by ${owner}: another owner took it after the lease expired`);
      throw error;
    }
  }

  private hold(key: string, owner: string, ttlMs: number): HeldLease {
    let lost = false;
    let released = false;
    // Renewal keeps a long migration's lease alive; unref'd so a forgotten lease never keeps
    // the process running. A failed renewal (network) is retried at the next tick; a lost
    // lease stops the timer.
    const timer = setInterval(() => {
      this.extend(key, owner, ttlMs).catch((error: unknown) => {
        if (error instanceof LockBusyError) {
          lost = true;
          clearInterval(timer);
        }
      });
    }, Math.max(1, Math.floor(ttlMs / 3)));
    timer.unref();
    return {
      renew: async () => {
        if (released) throw new LockBusyError(`lock ${key} was already released by ${owner}`);
        if (lost) throw new LockBusyError(`lock ${key} was lost by ${owner}: another owner took it after the lease expired`);
        try {
          await this.extend(key, owner, ttlMs);
        } catch (error) {
          if (error instanceof LockBusyError) {
            lost = true;
            clearInterval(timer);
          }
          throw error;
        }
      },
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        // Not ours any more (expired and taken over): nothing to give up, never delete another's lock.
        await this.release(key, owner);
      },
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
