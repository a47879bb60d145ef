// Lambda entry of the Map's child state: runs windows of one batch while the invocation has
// time, and answers more: true when some are left (the child loops). A window that fails is
// recorded as failed on its record and counted in the output (data, not an exception), so one
// bad hour cannot abort the run; only infrastructure errors throw (and are retried).
import { windowBatchStep } from '../engine/service/steps.js';
import type { StepEnvironment, WindowBatchOutput } from '../engine/service/types.js';
import { lambdaEnvironment } from './environment.js';
import { windowBatchInputOf } from './events.js';
import { MetricUnit, lambdaHandler, metrics } from './observability.js';

/** What the batch needs of its invocation: the time left (Lambda context, or the local runner's countdown). */
export interface InvocationClock {
  getRemainingTimeInMillis(): number;
}

export async function invoke(env: StepEnvironment, event: unknown, invocation?: InvocationClock): Promise<WindowBatchOutput> {
  return windowBatchStep(env, windowBatchInputOf(event), invocation && (() => invocation.getRemainingTimeInMillis()));
}

/** WindowsFailed feeds the failed-windows alarm (infra/constructs/run-alarms.ts). */
export function recordWindowMetrics(out: WindowBatchOutput): void {
  metrics.addMetric('WindowsSucceeded', MetricUnit.Count, out.succeeded);
  metrics.addMetric('WindowsFailed', MetricUnit.Count, out.failed);
  metrics.addMetric('RowsWritten', MetricUnit.Count, out.rows);
}

export const handler = lambdaHandler('window', async (event: unknown, context) => invoke(await lambdaEnvironment(), event, context), recordWindowMetrics);
