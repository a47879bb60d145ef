// Lambda entry of the Apply state: pending migrations (or revert), under the target's lock.
// Thin on purpose: the step itself is engine code (functions/engine/service/steps.ts).
import { applyStep } from '../engine/service/steps.js';
import type { ApplyOutput, StepEnvironment } from '../engine/service/types.js';
import { lambdaEnvironment } from './environment.js';
import { runInputOf, type RunStepEvent } from './events.js';
import { lambdaHandler } from './observability.js';

/** The state's work with a given environment: Lambda's below, the local runner's in-process. */
export async function invoke(env: StepEnvironment, event: RunStepEvent): Promise<ApplyOutput> {
  return applyStep(env, runInputOf(event));
}

export const handler = lambdaHandler('apply', async (event: RunStepEvent) => invoke(await lambdaEnvironment(), event));
