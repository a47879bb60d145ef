// One run per target and migration version: a lease item in the state table (key layout in
// keys.ts), held by the run that backfills, retries or resumes, renewed while it runs and
// released at Finalize. The owner is the run id, so every execution of the same run (a
// retried Plan, a retry, a resume, a redrive) may take it; another run is refused at once.
//
// Taking and renewing are the same conditional PutItem: it succeeds when the item is absent,
// expired, or already this run's. So a renewal re-creates a lease released under a still
// running execution (a retry of the run that finalized first), and a holder that died blocks
// other runs for at most the TTL. DynamoDB has no compare-and-set across items (and dynalite
// no transactions): this one item is the whole decision.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { RunLeaseHeldError } from '../errors.js';
import { lockKey, runLeaseKey } from './keys.js';

/**
 * Window batches renew it; nothing renews it between the last batch and Finalize, where Verify
 * runs (its function has 15 minutes, and read-only access to the table): so longer than that
 * plus Step Functions' retry backoff (at most 2 minutes a try). Short enough that an aborted
 * execution blocks the next run for minutes, not hours; its own run's resume takes it at once.
 */
export const RUN_LEASE_TTL_MS = 20 * 60_000;

/** A lease with more than this share of its TTL left is not written again by take() (renewals come every third). */
const FRESH = 0.75;

/** Lease items outlive their lease by a day in AWS, then TTL removes abandoned ones. */
const TTL_GRACE_SECONDS = 24 * 3600;

export interface RunLeaseSubject {
  /** The configured target name (the deployment maps one name to one database). */
  targetName: string;
  version: number;
  runId: string;
}

export interface RunLeaseHolder {
  runId: string;
  leaseExpiresAt: number;
}

export class RunLeases {
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string, opts: { now?: () => number; ttlMs?: number } = {}) {
    this.now = opts.now ?? Date.now;
    this.ttlMs = opts.ttlMs ?? RUN_LEASE_TTL_MS;
  }

  /**
   * Takes (or renews) the lease for the run; RunLeaseHeldError with the holder's run id when
   * another run holds it. True when nobody held it before (taken, not renewed).
   */
  async take(subject: RunLeaseSubject): Promise<boolean> {
    // Held by this run and renewed within the last quarter of its TTL (a batch just before
    // this one): a read confirms it, and no write is needed. The write would change nothing a
    // rival could see: it cannot take an unexpired lease either way.
    const held = await this.holder(subject.targetName, subject.version);
    if (held?.runId === subject.runId && held.leaseExpiresAt - this.now() > this.ttlMs * FRESH) return false;
    for (let attempt = 0; ; attempt++) {
      const put = await this.tryPut(subject);
      if (put !== 'refused') return put === 'taken';
      const holder = await this.holder(subject.targetName, subject.version);
      // Released or expired since our write was refused: one more try, not a wait.
      if (holder !== null && holder.runId !== subject.runId) throw heldError(subject, holder);
      if (attempt >= 1) throw heldError(subject, holder ?? { runId: 'unknown', leaseExpiresAt: this.now() });
    }
  }

  private async tryPut(subject: RunLeaseSubject): Promise<'taken' | 'renewed' | 'refused'> {
    const key = runLeaseKey(subject.targetName, subject.version);
    const now = this.now();
    const leaseExpiresAt = now + this.ttlMs;
    try {
      const out = await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...lockKey(key), owner: subject.runId, leaseExpiresAt, expiresAt: Math.ceil(leaseExpiresAt / 1000) + TTL_GRACE_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseExpiresAt < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now, ':owner': subject.runId },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = out.Attributes as { owner?: unknown; leaseExpiresAt?: unknown } | undefined;
      return old?.owner === subject.runId && typeof old.leaseExpiresAt === 'number' && old.leaseExpiresAt >= now ? 'renewed' : 'taken';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'refused';
      throw error;
    }
  }

  /** Gives the lease up if this run holds it; false when it does not (nothing changed). */
  async release(subject: RunLeaseSubject): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: lockKey(runLeaseKey(subject.targetName, subject.version)),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': subject.runId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The run holding the lease, or null when it is free (absent or expired). */
  async holder(targetName: string, version: number): Promise<RunLeaseHolder | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: lockKey(runLeaseKey(targetName, version)), ConsistentRead: true }));
    const item = out.Item as { owner?: unknown; leaseExpiresAt?: unknown } | undefined;
    if (typeof item?.owner !== 'string' || typeof item.leaseExpiresAt !== 'number' || item.leaseExpiresAt < this.now()) return null;
    return { runId: item.owner, leaseExpiresAt: item.leaseExpiresAt };
  }

  /**
   * Renews the lease every third of its TTL while `fn` runs (a long window batch or Verify).
   * A renewal that fails is tried again at the next tick; the caller's next take() reports a lost lease.
   */
  async whileHeld<T>(subject: RunLeaseSubject, fn: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      this.take(subject).catch(() => undefined);
    }, Math.max(1, Math.floor(this.ttlMs / 3)));
    timer.unref();
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }
}

/** "… is already running as run X": the line the CLI prints, the API answers with 409 and the execution's RunRefused cause. */
export function heldError(subject: Pick<RunLeaseSubject, 'targetName' | 'version'>, holder: RunLeaseHolder): RunLeaseHeldError {
  return new RunLeaseHeldError(
    `a backfill of migration ${subject.version} on target ${subject.targetName} is already running as run ${holder.runId} (lease until ${new Date(holder.leaseExpiresAt).toISOString()}): wait for it to end, or resume that run`,
    holder.runId,
  );
}
