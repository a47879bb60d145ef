// The state table: one DynamoDB table (single-table design) for runs, windows and locks.
//
// Table keys: pk (S) partition key, sk (S) sort key.
// GSI `gsi1` on gsi1pk (S) / gsi1sk (S), projection ALL.
// TTL attribute `expiresAt` (epoch seconds): only AWS honours it; dynalite ignores it.
//
// Lock      pk=LOCK#<key>    sk=LOCK
//           owner, leaseExpiresAt (epoch ms)
// Run lease pk=LOCK#run:<targetName>:v<version>   sk=LOCK     (state/run-lease.ts)
//           owner (= the holding run's id), leaseExpiresAt (epoch ms), expiresAt (TTL)
//           one backfill, retry or resume per target name and migration version
// Idempotency key  pk=IDEM#<sha256 of the key>  sk=IDEM      (POST /runs, state/idempotency-keys.ts)
//           runId, executionName, bodyHash (sha256 of the execution input), createdAt, expiresAt (TTL)
// Run       pk=RUN#<runId>   sk=RUN
//           runId, migrationVersion, migrationName, target (display URL, never a password),
//           engine, rangeStart, rangeEnd (ISO), windowSize (e.g. '1h'), windowCount, batchSize,
//           concurrency, strategy, status (planned|running|succeeded|partial|failed),
//           counts {pending,running,succeeded,failed}, rowsWritten, sourceRows,
//           createdAt, updatedAt, error?, targetName? (the configured name: the run lease's key),
//           definitionChecksum? (sha256 of the backfill definition text it planned: pinned code),
//           plannedBy? (the execution whose Plan created it), planKey? (its parameters, hashed)
//           gsi1pk=RUNS gsi1sk=<createdAt>#<runId>   → "recent runs", newest first
// Windows   pk=RUN#<runId>   sk=BAT#<batch, 6 digits>       (state format 2: state/batch-items.ts)
//           runId, batch, w: { <window start ISO>: { end, status (pending|running|succeeded|failed),
//           attempts, rows, sourceRows?, durationMs?, lastError? (redacted + truncated by
//           shortError), leaseOwner?, leaseExpiresAt? (epoch ms), leasePid?, leaseHost?,
//           updatedAt, v (changes on every write: the compare-and-set token) } }
//           One item per batch: a statement over N windows of a batch claims them with one
//           conditional UpdateItem and completes them with one. An item appears when a window of
//           its batch is first claimed; a window with no record reads as pending.
//           Run records carry stateFormat = 2; runs without it (one item per window) are refused.
//
// A run and its batches share a partition, so one Query (sk begins_with BAT#) lists a run's
// windows in batch order, and within an item by start (ISO-8601 UTC of one width sorts as time).
import { UsageError } from '../errors.js';

export const TABLE_KEYS = {
  pk: 'pk',
  sk: 'sk',
  gsi1: 'gsi1',
  gsi1pk: 'gsi1pk',
  gsi1sk: 'gsi1sk',
  ttl: 'expiresAt',
} as const;

export const RUN_SK = 'RUN';
export const LOCK_SK = 'LOCK';
export const BATCH_SK_PREFIX = 'BAT#';
/** How window state is kept: 2 = one item per batch holding its windows' records. */
export const STATE_FORMAT = 2;
const MAX_BATCH = 999_999;
export const RUNS_GSI_PK = 'RUNS';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

/** Run ids become key parts and execution names: a closed alphabet keeps both unambiguous. */
export function assertRunId(runId: string): string {
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) {
    throw new UsageError(`invalid run id ${JSON.stringify(String(runId).slice(0, 100))}: use 1-80 letters, digits, '_', '.', '-', starting with a letter or digit`);
  }
  return runId;
}

export function runKey(runId: string): { pk: string; sk: string } {
  return { pk: `RUN#${assertRunId(runId)}`, sk: RUN_SK };
}

export function batchSortKey(batch: number): string {
  if (!Number.isInteger(batch) || batch < 0 || batch > MAX_BATCH) throw new UsageError(`invalid batch ${String(batch)}`);
  return `${BATCH_SK_PREFIX}${String(batch).padStart(6, '0')}`;
}

export function batchKey(runId: string, batch: number): { pk: string; sk: string } {
  return { pk: `RUN#${assertRunId(runId)}`, sk: batchSortKey(batch) };
}

export function lockKey(key: string): { pk: string; sk: string } {
  if (key === '') throw new UsageError('lock key is empty');
  return { pk: `LOCK#${key}`, sk: LOCK_SK };
}

/** The lease one running backfill, retry or resume of a target and migration version holds. */
export function runLeaseKey(targetName: string, version: number): string {
  if (targetName === '') throw new UsageError('run lease: target name is empty');
  if (!Number.isSafeInteger(version) || version < 0) throw new UsageError(`run lease: invalid migration version ${version}`);
  return `run:${targetName}:v${version}`;
}

export const IDEMPOTENCY_SK = 'IDEM';

export function idempotencyKeyItemKey(keyHash: string): { pk: string; sk: string } {
  return { pk: `IDEM#${keyHash}`, sk: IDEMPOTENCY_SK };
}

export function runsIndexSortKey(createdAt: string, runId: string): string {
  return `${createdAt}#${runId}`;
}

/** Canonical instant form used in keys: always `YYYY-MM-DDTHH:mm:ss.sssZ`, so string order = time order. */
export function toIso(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new UsageError(`invalid timestamp ${JSON.stringify(String(value))}`);
  return date.toISOString();
}
