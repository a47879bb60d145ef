// Lambda entry of the Apply state: pending migrations (or revert), under the target's lock.
// Thin on purpose: the step itself is engine code (functions/engine/service/steps.ts).
import { applyStep } from '../engine/service/steps.js';
import type { ApplyOutput, StepEnvironment } from '../engine/service/types.js';
import { lambdaEnvironment } from './environment.js';
import { runInputOf, type RunStepEvent } from './events.js';
import { lambdaHandler } from './observability.js';

/** Time kept back from the function's timeout to record a stopped migration and release the lock before Lambda stops it. */
export const RECORD_MARGIN_MS = 20_000;

/**
 * The state's work with a given environment: Lambda's below, the local runner's in-process
 * (no deadline locally, as for Verify: a laptop has no Lambda to stop apply).
 */
export async function invoke(env: StepEnvironment, event: RunStepEvent, _invocation?: unknown): Promise<ApplyOutput> {
  return applyStep(env, runInputOf(event));
}

/** Every migration statement is limited on the server below the invocation's remaining time. */
export const handler = lambdaHandler('apply', async (event: RunStepEvent, context) =>
  applyStep(await lambdaEnvironment(), runInputOf(event), Date.now() + context.getRemainingTimeInMillis() - RECORD_MARGIN_MS),
);
