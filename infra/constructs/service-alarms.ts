// The alarms a person needs, each sent where run-alerts.ts says: paging for a failed start
// (dead-letter queue) and API 5xx; warnings for Lambda errors and throttles of every function,
// DynamoDB throttling, failed windows and failed verifies; none (dashboard only) for the
// execution counts, which the per-run rule already pages on.
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../../functions/engine/state/keys.js';
import type { RunAlerts } from './run-alerts.js';
import { PERIOD, handlerMetric } from './run-metrics.js';

export interface ServiceAlarmsProps {
  alerts: RunAlerts;
  stateMachine: sfn.StateMachine;
  /** By handler name (apply, plan, …): one errors and one throttles alarm each. */
  functions: Record<string, lambda.IFunction>;
  table: dynamodb.Table;
  api: apigw.RestApi;
  deadLetterQueue: sqs.IQueue;
}

const capitalized = (name: string): string => `${name[0]!.toUpperCase()}${name.slice(1)}`;

export class ServiceAlarms extends Construct {
  /** Every alarm, for the dashboard's alarm status widget. */
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const { alerts } = props;
    /** Breaches at one or more in one period (above zero, for a gauge); no data is not a breach. */
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string, gauge = false): cloudwatch.Alarm => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: gauge ? 0 : 1,
        evaluationPeriods: 1,
        comparisonOperator: gauge ? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD : cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      this.alarms.push(a);
      return a;
    };
    const sum = { period: PERIOD, statistic: cloudwatch.Stats.SUM };

    // Paging: nothing else reports these.
    alerts.page(alarm(
      'DeadLetters',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      'A run request from EventBridge could not start an execution after its retries: read the message in the trigger dead-letter queue (its attributes name the error), fix the cause, then put the event again',
      true,
    ));
    alerts.page(alarm('Api5xx', props.api.metricServerError(sum), 'The Hourglass API answered 5xx: read the api function logs (errors are logged with their name)'));

    // Warnings: the why behind a failed run, or a sign of one coming.
    for (const [name, fn] of Object.entries(props.functions)) {
      alerts.warn(alarm(`${capitalized(name)}Errors`, fn.metricErrors(sum), `The ${name} function failed invocations: the state machine retries infrastructure errors; a run that still fails pages on its own. Read the ${name} function logs.`));
      alerts.warn(alarm(`${capitalized(name)}Throttles`, fn.metricThrottles(sum), `The ${name} function was throttled: lower the run concurrency (POST /runs/{id}/throttle) or raise the account's Lambda concurrency.`));
    }
    const throttleEvents = (metricName: string, index?: string): cloudwatch.Metric => props.table.metric(metricName, {
      ...sum,
      dimensionsMap: { TableName: props.table.tableName, ...(index ? { GlobalSecondaryIndexName: index } : {}) },
    });
    alerts.warn(alarm('TableThrottled', new cloudwatch.MathExpression({
      expression: 'tableReads + tableWrites + indexReads + indexWrites',
      usingMetrics: {
        tableReads: throttleEvents('ReadThrottleEvents'),
        tableWrites: throttleEvents('WriteThrottleEvents'),
        indexReads: throttleEvents('ReadThrottleEvents', TABLE_KEYS.gsi1),
        indexWrites: throttleEvents('WriteThrottleEvents', TABLE_KEYS.gsi1),
      },
      label: 'throttle events',
      period: PERIOD,
    }), 'The state table throttled reads or writes (table or gsi1): requests are retried; sustained throttling fails windows. Lower run concurrency.'));
    alerts.warn(alarm('FailedWindows', handlerMetric(this, 'WindowsFailed'), 'Backfill windows failed: list them with GET /runs/{id}/windows?status=failed, re-run with POST /runs/{id}/retry'));
    alerts.warn(alarm('VerifyFailed', handlerMetric(this, 'VerifyFailed'), 'Verify found drift or window count mismatches, or could not run (unverified): read the run record or the Verify output; hourglass verify --repair-sql shows the fix'));

    // Dashboard only: the ExecutionFailed rule pages once per run already.
    alarm('FailedExecutions', props.stateMachine.metricFailed(sum), 'Hourglass runs failed or partially failed (not paging: the ExecutionFailed rule pages once per run)');
    alarm('TimedOutExecutions', props.stateMachine.metricTimedOut(sum), 'Hourglass runs timed out (not paging: the ExecutionFailed rule pages once per run)');
  }
}
