// The metrics that describe runs, shared by the alarms (service-alarms.ts) and the dashboard
// (run-dashboard.ts). Executions come from AWS/States; windows, rows and outcomes from the
// EMF metrics the handlers emit through Powertools (namespace Hourglass, dimension service =
// POWERTOOLS_SERVICE_NAME = the stack name): window.ts emits WindowsSucceeded, WindowsFailed
// and RowsWritten per invocation, finalize.ts RunsSucceeded/RunsPartial/RunsFailed, verify.ts
// VerifyFailed.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE } from './hourglass-function.js';

export const PERIOD = Duration.minutes(5);

export type HandlerMetric = 'WindowsSucceeded' | 'WindowsFailed' | 'RowsWritten' | 'RunsSucceeded' | 'RunsPartial' | 'RunsFailed' | 'VerifyFailed';

/** A handler's EMF metric, summed per period. */
export function handlerMetric(scope: Construct, metricName: HandlerMetric, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: Stack.of(scope).stackName },
    statistic: cloudwatch.Stats.SUM,
    period: PERIOD,
    ...(label ? { label } : {}),
  });
}

/** Executions started, succeeded, failed (partial runs included), timed out and aborted. */
export function executionMetrics(stateMachine: sfn.StateMachine): Record<'started' | 'succeeded' | 'failed' | 'timedOut' | 'aborted', cloudwatch.Metric> {
  const props = { period: PERIOD, statistic: cloudwatch.Stats.SUM };
  return {
    started: stateMachine.metricStarted({ ...props, label: 'started' }),
    succeeded: stateMachine.metricSucceeded({ ...props, label: 'succeeded' }),
    failed: stateMachine.metricFailed({ ...props, label: 'failed or partial' }),
    timedOut: stateMachine.metricTimedOut({ ...props, label: 'timed out' }),
    aborted: stateMachine.metricAborted({ ...props, label: 'aborted' }),
  };
}

/** Rows written per second over each period. */
export function rowsPerSecond(scope: Construct): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'rows / PERIOD(rows)',
    usingMetrics: { rows: handlerMetric(scope, 'RowsWritten') },
    label: 'rows/s',
    period: PERIOD,
  });
}
