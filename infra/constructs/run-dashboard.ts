// The stage's CloudWatch dashboard: what an operator opens when a run is slow or paged.
//   Row 1: runs (executions started, succeeded, failed/partial, timed out, aborted) and the
//          outcomes Finalize recorded (succeeded, partial, failed).
//   Row 2: windows per status (succeeded, failed per period), rows written per second.
//   Row 3: the slowest windows (Logs Insights over the window function's "window finished"
//          lines, functions/handlers/window.ts) and every alarm's state.
//   Row 4: runs refused at Plan (RunRefused: the run lease is held, or the run id taken), which
//          do not page (run-alerts.ts): from the state machine's ExecutionFailed log lines,
//          written at every log level but OFF.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { REFUSED_ERRORS } from '../../functions/handlers/error-names.js';
import { WINDOW_FINISHED } from '../../functions/handlers/log-messages.js';
import { executionMetrics, handlerMetric, rowsPerSecond } from './run-metrics.js';

export const SLOWEST_WINDOWS_QUERY = [
  'fields @timestamp, runId, windowStart, status, rows, durationMs',
  `filter message = "${WINDOW_FINISHED}"`,
  'sort durationMs desc',
  'limit 20',
];

export const REFUSED_RUNS_QUERY = [
  'fields @timestamp, execution_arn, details.error, details.cause',
  `filter type = "ExecutionFailed" and details.error in [${REFUSED_ERRORS.map((e) => `"${e}"`).join(', ')}]`,
  'sort @timestamp desc',
  'limit 20',
];

export interface RunDashboardProps {
  stage: string;
  stateMachine: sfn.StateMachine;
  windowLogGroup: logs.ILogGroup;
  stateMachineLogGroup: logs.ILogGroup;
  alarms: cloudwatch.IAlarm[];
}

export class RunDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: RunDashboardProps) {
    super(scope, id);
    const executions = executionMetrics(props.stateMachine);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `Hourglass-${props.stage}`,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Runs (executions)', width: 12, left: Object.values(executions) }),
      new cloudwatch.GraphWidget({
        title: 'Run outcomes (Finalize)',
        width: 12,
        left: [handlerMetric(this, 'RunsSucceeded', 'succeeded'), handlerMetric(this, 'RunsPartial', 'partial'), handlerMetric(this, 'RunsFailed', 'failed')],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Windows per status',
        width: 12,
        stacked: true,
        left: [handlerMetric(this, 'WindowsSucceeded', 'succeeded'), handlerMetric(this, 'WindowsFailed', 'failed')],
      }),
      new cloudwatch.GraphWidget({ title: 'Rows written per second', width: 12, left: [rowsPerSecond(this)] }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Slowest windows',
        width: 12,
        height: 8,
        logGroupNames: [props.windowLogGroup.logGroupName],
        queryLines: SLOWEST_WINDOWS_QUERY,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 12, height: 8, alarms: props.alarms }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Refused runs (not paged: another run holds the target and version, or the run id is taken)',
        width: 24,
        height: 6,
        logGroupNames: [props.stateMachineLogGroup.logGroupName],
        queryLines: REFUSED_RUNS_QUERY,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
      }),
    );
  }
}
