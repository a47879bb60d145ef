// Lambda entry of the Plan state: the run's windows (or, for retry, its failed ones) and the Map's batches.
// Thin on purpose: the step itself is engine code (functions/engine/service/steps.ts).
import { planStep } from '../engine/service/steps.js';
import type { PlanOutput, StepEnvironment } from '../engine/service/types.js';
import { lambdaEnvironment } from './environment.js';
import { runInputOf, type RunStepEvent } from './events.js';
import { lambdaHandler } from './observability.js';

/** The state's work with a given environment: Lambda's below, the local runner's in-process. */
export async function invoke(env: StepEnvironment, event: RunStepEvent): Promise<PlanOutput> {
  return planStep(env, runInputOf(event), typeof event?.executionName === 'string' ? event.executionName : undefined);
}

export const handler = lambdaHandler('plan', async (event: RunStepEvent) => invoke(await lambdaEnvironment(), event));
