// What POST /runs checks before it starts an execution (and POST /runs/{id}/retry before a retry):
//
// - One run per target and version: while another run holds the run lease, 409 with the
//   holder's run id (`holderRunId`), at once; Plan refuses the same run again in the state machine.
// - Idempotency key: the `Idempotency-Key` header or `idempotencyKey` in the body (both only
//   if equal). The key names the run (`key-<sha256(key), 32 hex>`, unless the body names a
//   runId) and is recorded with a hash of the execution input on first use. The same key with
//   the same body again answers 202 with the same runId and execution, and starts nothing new;
//   the same key with another body answers 422 (the IETF Idempotency-Key draft's code for a
//   reused key). A first use refused (409, 400) is forgotten, so the client may retry it.
// - Revert: only on POST /runs/revert (its own resource, so IAM can allow backfills and forbid
//   reverts), and only where the stage allows it (api.allowRevert, env HOURGLASS_API_REVERT):
//   else 403 before the body is read. POST /runs with action revert is 400, pointing there.
import { heldError, type RunLeases } from '../engine/state/run-lease.js';
import { assertIdempotencyKey, sha256, type IdempotencyKeys } from '../engine/state/idempotency-keys.js';
import { UsageError } from '../engine/errors.js';
import type { RunInput } from '../engine/service/types.js';
import { ConflictError, UnprocessableError, type ApiRequest, type ApiResponse } from './api-http.js';

/** "allow" when the stage sets api.allowRevert; anything else refuses POST /runs/revert. */
export const API_REVERT_ENV = 'HOURGLASS_API_REVERT';

/** The stage does not allow what was asked (revert): 403. */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

export interface RunGuardDeps {
  /** POST /runs/revert may start a revert (the stage's api.allowRevert). */
  allowRevert?: boolean;
  runLeases?: Pick<RunLeases, 'holder'>;
  idempotencyKeys?: Pick<IdempotencyKeys, 'claim' | 'forget'>;
}

/** The request's idempotency key, if any, and the body without it (the rest is the execution input). */
export function takeIdempotencyKey(request: ApiRequest, body: unknown): { key?: string; body: unknown } {
  const header = Object.entries(request.headers ?? {}).find(([name]) => name.toLowerCase() === 'idempotency-key')?.[1];
  let inBody: unknown;
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.hasOwn(body, 'idempotencyKey')) {
    const { idempotencyKey, ...rest } = body as Record<string, unknown>;
    inBody = idempotencyKey;
    body = rest;
  }
  if (header !== undefined && inBody !== undefined && header !== inBody) throw new UsageError('the Idempotency-Key header and "idempotencyKey" in the body differ: send one');
  const key = header ?? inBody;
  return key === undefined ? { body } : { key: assertIdempotencyKey(key), body };
}

/** 409 while a run other than `runId` holds the lease of this target and version. */
export async function refuseWhileLeased(deps: RunGuardDeps, targetName: string, version: number, runId: string): Promise<void> {
  const holder = await deps.runLeases?.holder(targetName, version);
  if (holder && holder.runId !== runId) {
    throw new ConflictError(heldError({ targetName, version }, holder).message, { holderRunId: holder.runId });
  }
}

/**
 * Starts the run named `runId` once per key: `start` on the key's first use, `replay` (the same
 * execution again, started only if it never was) when the same body comes again.
 */
export async function startOncePerKey(deps: RunGuardDeps, key: string, runId: string, input: RunInput, start: () => Promise<ApiResponse>, replay: (runId: string) => Promise<ApiResponse>): Promise<ApiResponse> {
  if (!deps.idempotencyKeys) throw new Error('idempotency keys are not configured for this API');
  const bodyHash = sha256(JSON.stringify(input));
  const claim = await deps.idempotencyKeys.claim(key, { runId, bodyHash });
  if (!claim.first) {
    if (claim.earlier.bodyHash !== bodyHash) throw new UnprocessableError(`idempotency key already used with a different body (run ${claim.earlier.runId}): send a new key for a different run`);
    return replay(claim.earlier.runId);
  }
  try {
    return await start();
  } catch (error) {
    await deps.idempotencyKeys.forget(key, bodyHash);
    throw error;
  }
}

/** 403 unless the stage allows reverts through the API. */
export function refuseRevertUnlessAllowed(deps: RunGuardDeps): void {
  if (deps.allowRevert !== true) throw new ForbiddenError("revert is not allowed through this stage's API: set the stage's api.allowRevert to true (and allow POST /runs/revert in the caller's IAM policy), or revert with the CLI");
}

/** POST /runs starts every action but revert, which has its own resource. */
export function refuseRevertOnRuns(input: RunInput): void {
  if (input.action === 'revert') throw new UsageError('revert is not started with POST /runs: use POST /runs/revert (its own resource, so IAM can tell a revert from a backfill)');
}

/** The body of POST /runs/revert: the run input, its action revert (implied when absent). */
export function revertBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body; // parseRunInput says what is wrong
  const { action, ...rest } = body as Record<string, unknown>;
  if (action !== undefined && action !== 'revert') throw new UsageError(`POST /runs/revert starts a revert: "action" must be revert or absent, got ${JSON.stringify(String(action).slice(0, 40))} (other actions: POST /runs)`);
  return { action: 'revert', ...rest };
}
