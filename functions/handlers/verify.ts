// Lambda entry of the Verify state: live schema against the migrations, and the run's window counts.
// Thin on purpose: the step itself is engine code (functions/engine/service/steps.ts).
import { verifyStep } from '../engine/service/steps.js';
import type { VerifyOutput, StepEnvironment } from '../engine/service/types.js';
import { lambdaEnvironment } from './environment.js';
import { runInputOf, type RunStepEvent } from './events.js';
import { MetricUnit, lambdaHandler, metrics } from './observability.js';

/** Time kept back from the function's timeout to report (and drop the scratch) before Lambda stops it. */
const REPORT_MARGIN_MS = 20_000;

/**
 * The state's work with a given environment: Lambda's below, the local runner's in-process.
 * Locally no deadline: the runner's (maybe scaled-down) countdown is there to exercise the
 * window batches' time budget, and a laptop has no Lambda to stop verify.
 */
export async function invoke(env: StepEnvironment, event: RunStepEvent, _invocation?: unknown): Promise<VerifyOutput> {
  return verifyStep(env, runInputOf(event));
}

/** VerifyFailed feeds the verify alarm (infra/constructs/run-alerts.ts): drift, or a verify that could not run. */
export function recordVerifyMetrics(out: VerifyOutput): void {
  metrics.addMetric('VerifyFailed', MetricUnit.Count, out.status === 'drift' || out.status === 'unverified' ? 1 : 0);
}

export const handler = lambdaHandler(
  'verify',
  async (event: RunStepEvent, context) => verifyStep(await lambdaEnvironment(), runInputOf(event), Date.now() + context.getRemainingTimeInMillis() - REPORT_MARGIN_MS),
  recordVerifyMetrics,
);
