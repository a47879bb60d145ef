// Idempotency keys of POST /runs (the `Idempotency-Key` header or `idempotencyKey` in the body):
// one item per key (keys.ts), written conditionally, so the same key names the same run and
// starts its execution once, whoever asks and however often; the same key with another body is
// refused. Items expire after 30 days (TTL); the execution name stays derived from the key.
import { createHash } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UsageError } from '../errors.js';
import { idempotencyKeyItemKey } from './keys.js';

const KEEP_SECONDS = 30 * 24 * 3600;
/** Printable ASCII, as an HTTP header value carries it; long enough for a UUID or a hash with a prefix. */
const KEY = /^[\x21-\x7e]{1,255}$/;

export interface IdempotentStart {
  runId: string;
  /** sha256 of the execution input the key was first used with. */
  bodyHash: string;
  createdAt: string;
}

export function assertIdempotencyKey(key: unknown): string {
  if (typeof key !== 'string' || !KEY.test(key)) throw new UsageError('idempotency key must be 1-255 printable ASCII characters without spaces');
  return key;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The run id (and execution name) a key stands for: the same key, the same run. */
export function runIdForKey(key: string): string {
  return `key-${sha256(key).slice(0, 32)}`;
}

export class IdempotencyKeys {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string, private readonly now: () => Date = () => new Date()) {}

  /** Records the key's first use; when it was used before, returns that use instead (nothing written). */
  async claim(key: string, start: Omit<IdempotentStart, 'createdAt'>): Promise<{ first: true } | { first: false; earlier: IdempotentStart }> {
    const createdAt = this.now().toISOString();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...idempotencyKeyItemKey(sha256(key)), ...start, createdAt, expiresAt: Math.ceil(this.now().getTime() / 1000) + KEEP_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { first: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: idempotencyKeyItemKey(sha256(key)), ConsistentRead: true }));
    const item = out.Item as Partial<IdempotentStart> | undefined;
    if (!item?.runId || !item.bodyHash) return this.claim(key, start); // forgotten in between
    return { first: false, earlier: { runId: item.runId, bodyHash: item.bodyHash, createdAt: item.createdAt ?? createdAt } };
  }

  /** Forgets a first use that was refused before anything started (its retry then goes the whole way again). */
  async forget(key: string, bodyHash: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: idempotencyKeyItemKey(sha256(key)),
          ConditionExpression: 'bodyHash = :h',
          ExpressionAttributeValues: { ':h': bodyHash },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
