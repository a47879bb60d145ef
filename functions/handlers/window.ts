// Lambda entry of the Map's child state: runs windows of one batch while the invocation has
// time, and answers more: true when some are left (the child loops). A window that fails is
// recorded as failed on its record and counted in the output (data, not an exception), so one
// bad hour cannot abort the run; only infrastructure errors throw (and are retried).
import type { WindowEvent } from '../engine/backfill/executor.js';
import { windowBatchStep } from '../engine/service/steps.js';
import type { StepEnvironment, WindowBatchOutput } from '../engine/service/types.js';
import { lambdaEnvironment } from './environment.js';
import { windowBatchInputOf } from './events.js';
import { WINDOW_FINISHED } from './log-messages.js';
import { MetricUnit, lambdaHandler, logger, metrics } from './observability.js';

/** What the batch needs of its invocation: the time left (Lambda context, or the local runner's countdown). */
export interface InvocationClock {
  getRemainingTimeInMillis(): number;
}

/** `logWindows`: in Lambda, a log line per finished window (the dashboard's slowest windows); locally none. */
export async function invoke(env: StepEnvironment, event: unknown, invocation?: InvocationClock, logWindows = false): Promise<WindowBatchOutput> {
  const input = windowBatchInputOf(event);
  const onWindow = logWindows
    ? (w: WindowEvent): void => {
        if (w.status !== 'skipped') logger.info(WINDOW_FINISHED, { runId: input.runId, batch: input.batch, windowStart: w.start, status: w.status, rows: w.rows, durationMs: w.durationMs });
      }
    : undefined;
  return windowBatchStep(env, input, invocation && (() => invocation.getRemainingTimeInMillis()), onWindow);
}

/** WindowsFailed feeds the failed-windows alarm (infra/constructs/service-alarms.ts). */
export function recordWindowMetrics(out: WindowBatchOutput): void {
  metrics.addMetric('WindowsSucceeded', MetricUnit.Count, out.succeeded);
  metrics.addMetric('WindowsFailed', MetricUnit.Count, out.failed);
  metrics.addMetric('RowsWritten', MetricUnit.Count, out.rows);
}

export const handler = lambdaHandler('window', async (event: unknown, context) => invoke(await lambdaEnvironment(), event, context, true), recordWindowMetrics);
