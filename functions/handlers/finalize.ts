// Lambda entry of the Finalize state: rolls the window counts up into the run record and
// decides the outcome (succeeded | partial | failed). Reached on success and from every Catch,
// so it must cope with input that failed validation: nothing to record then, the run failed.
import { UsageError, shortError } from '../engine/errors.js';
import { finalizeStep } from '../engine/service/steps.js';
import type { FinalizeOutput, StepEnvironment } from '../engine/service/types.js';
import { lambdaEnvironment } from './environment.js';
import { finalizeInputOf, runInputOf, type FinalizeEvent } from './events.js';
import { MetricUnit, lambdaHandler, metrics } from './observability.js';

export async function invoke(env: StepEnvironment, event: FinalizeEvent): Promise<FinalizeOutput> {
  let input;
  try {
    input = runInputOf(event);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { status: 'failed', error: shortError(error) };
  }
  return finalizeStep(env, finalizeInputOf(event, input));
}

const OUTCOME_METRIC = { succeeded: 'RunsSucceeded', partial: 'RunsPartial', failed: 'RunsFailed' } as const;

export function recordOutcomeMetrics(out: FinalizeOutput): void {
  metrics.addMetric(OUTCOME_METRIC[out.status], MetricUnit.Count, 1);
}

export const handler = lambdaHandler('finalize', async (event: FinalizeEvent) => invoke(await lambdaEnvironment(), event), recordOutcomeMetrics);
