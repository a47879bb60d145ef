// Lambda entry of the Verify state: live schema against the migrations, and the run's window counts.
// Thin on purpose: the step itself is engine code (functions/engine/service/steps.ts).
import { verifyStep } from '../engine/service/steps.js';
import type { VerifyOutput, StepEnvironment } from '../engine/service/types.js';
import { lambdaEnvironment } from './environment.js';
import { runInputOf, type RunStepEvent } from './events.js';
import { lambdaHandler } from './observability.js';

/** The state's work with a given environment: Lambda's below, the local runner's in-process. */
export async function invoke(env: StepEnvironment, event: RunStepEvent): Promise<VerifyOutput> {
  return verifyStep(env, runInputOf(event));
}

export const handler = lambdaHandler('verify', async (event: RunStepEvent) => invoke(await lambdaEnvironment(), event));
