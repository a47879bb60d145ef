// Alerting in the template: one page per failed run (the execution status rule on the paging
// topic; the execution alarms without actions), paging alarms only for what no failed run
// reports (dead-letter queue, API 5xx), warnings for the rest (Lambda errors and throttles of
// each function, DynamoDB throttling, failed windows, VerifyFailed); and the dashboard.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';
import { WINDOW_FINISHED } from '../../functions/handlers/log-messages.js';
import { flatten, resources, type Resources } from './template-helpers.js';

const FUNCTIONS = ['Apply', 'Plan', 'Window', 'Verify', 'Finalize', 'Api'];

let template: Template;
let all: Resources;
let paging: { Ref: string };
let warnings: { Ref: string };

beforeAll(() => {
  const { stack } = createHourglassApp({ context: cdkJsonContext(), bundle: false });
  template = Template.fromStack(stack);
  all = resources(template);
  paging = { Ref: idOf('AWS::SNS::Topic', 'AlertsTopic') };
  warnings = { Ref: idOf('AWS::SNS::Topic', 'AlertsWarningsTopic') };
});

function idOf(type: string, prefix = ''): string {
  const ids = Object.keys(all).filter((id) => all[id]!.Type === type && id.startsWith(prefix) && (prefix !== 'AlertsTopic' || !id.startsWith('AlertsTopicKey')));
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0]!;
}

const alarms = () => Object.entries(all).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
const alarm = (prefix: string) => all[idOf('AWS::CloudWatch::Alarm', `Alarms${prefix}`)]!.Properties;

describe('one page per failed run', () => {
  it('pages from the execution status rule: failed (partial included, refused not: alerts-refused.test.ts), timed out and aborted executions of this state machine', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.states'], 'detail-type': ['Step Functions Execution Status Change'], detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: idOf('AWS::StepFunctions::StateMachine') }], error: Match.anyValue() } },
      Targets: [Match.objectLike({ Arn: paging })],
    });
  });

  it('keeps the execution alarms on the dashboard without any action', () => {
    for (const [name, metric] of [['FailedExecutions', 'ExecutionsFailed'], ['TimedOutExecutions', 'ExecutionsTimedOut']]) {
      expect(alarm(name!), name).toMatchObject({ Namespace: 'AWS/States', MetricName: metric });
      expect(alarm(name!).AlarmActions, name).toBeUndefined();
    }
  });

  it('pages from alarms only for a failed start and API 5xx; every other alarm warns or stays quiet', () => {
    const actionsOf = (props: Record<string, any>) => (props.AlarmActions ?? []) as unknown[];
    const pagingAlarms = alarms().filter(([, r]) => actionsOf(r.Properties).some((a) => JSON.stringify(a) === JSON.stringify(paging))).map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(pagingAlarms.sort()).toEqual(['AlarmsApi5xx', 'AlarmsDeadLetters']);
    for (const [id, r] of alarms()) expect(actionsOf(r.Properties).length, id).toBeLessThanOrEqual(1);
  });
});

describe('alarms a person needs', () => {
  it('pages when the trigger dead-letter queue holds a message', () => {
    expect(alarm('DeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [idOf('AWS::SQS::Queue', 'TriggersDeadLetters'), 'QueueName'] } }],
      Statistic: 'Maximum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [paging],
    });
  });

  it('pages on API 5xx', () => {
    expect(alarm('Api5xx')).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [paging] });
  });

  it('warns on errors and throttles of each of the six functions', () => {
    for (const name of FUNCTIONS) {
      const fn = { Ref: idOf('AWS::Lambda::Function', `${name}Function`) };
      for (const metric of ['Errors', 'Throttles']) {
        expect(alarm(`${name}${metric}`), `${name} ${metric}`).toMatchObject({
          Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: fn }], Statistic: 'Sum', Threshold: 1, AlarmActions: [warnings],
        });
      }
    }
  });

  it('warns on DynamoDB throttling of the table and its index, reads and writes', () => {
    const props = alarm('TableThrottled');
    expect(props.AlarmActions).toEqual([warnings]);
    const queries = props.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: unknown }[] } } }[];
    expect(queries.find((q) => q.Expression)?.Expression).toBe('tableReads + tableWrites + indexReads + indexWrites');
    const table = { Ref: idOf('AWS::DynamoDB::Table') };
    const stats = queries.filter((q) => q.MetricStat).map((q) => [q.MetricStat!.Metric.MetricName, q.MetricStat!.Metric.Dimensions]);
    expect(stats).toEqual(expect.arrayContaining([
      ['ReadThrottleEvents', [{ Name: 'TableName', Value: table }]],
      ['WriteThrottleEvents', [{ Name: 'TableName', Value: table }]],
      ['ReadThrottleEvents', expect.arrayContaining([{ Name: 'GlobalSecondaryIndexName', Value: 'gsi1' }])],
      ['WriteThrottleEvents', expect.arrayContaining([{ Name: 'GlobalSecondaryIndexName', Value: 'gsi1' }])],
    ]));
  });

  it('keeps FailedWindows and VerifyFailed on the handlers\' metrics, as warnings', () => {
    for (const metric of ['WindowsFailed', 'VerifyFailed']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Hourglass', MetricName: metric, Dimensions: [{ Name: 'service', Value: 'Hourglass-dev' }], Statistic: 'Sum', Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', AlarmActions: [warnings],
      });
    }
  });

  it('counts exactly these alarms: 2 paging, 12 + 3 warning, 2 quiet', () => {
    expect(alarms()).toHaveLength(19);
  });
});

describe('dashboard', () => {
  let body: { widgets: { type: string; properties: Record<string, any> }[] };
  beforeAll(() => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const dashboard = all[idOf('AWS::CloudWatch::Dashboard')]!.Properties;
    expect(dashboard.DashboardName).toBe('Hourglass-dev');
    body = JSON.parse(flatten(dashboard.DashboardBody));
  });
  const widget = (title: string) => {
    const found = body.widgets.find((w) => w.properties.title === title);
    expect(found, title).toBeDefined();
    return found!.properties;
  };
  const metricNames = (title: string) => (widget(title).metrics as unknown[][]).map((m) => m.filter((x) => typeof x === 'string').join(' '));

  it('shows runs: executions started, succeeded, failed, timed out, aborted, and the Finalize outcomes', () => {
    const sm = `<Ref:${idOf('AWS::StepFunctions::StateMachine')}>`;
    expect(metricNames('Runs (executions)')).toEqual(['Started', 'Succeeded', 'Failed', 'TimedOut', 'Aborted'].map((m) => `AWS/States Executions${m} StateMachineArn ${sm}`));
    expect(metricNames('Run outcomes (Finalize)')).toEqual(['RunsSucceeded', 'RunsPartial', 'RunsFailed'].map((m) => `Hourglass ${m} service Hourglass-dev`));
  });

  it('shows windows per status and rows per second from the window function\'s metrics', () => {
    expect(metricNames('Windows per status')).toEqual(['WindowsSucceeded', 'WindowsFailed'].map((m) => `Hourglass ${m} service Hourglass-dev`));
    const rows = widget('Rows written per second').metrics as unknown[][];
    expect(rows).toContainEqual([{ expression: 'rows / PERIOD(rows)', label: 'rows/s' }]);
    expect(rows.some((m) => m.includes('RowsWritten') && m.includes('Hourglass'))).toBe(true);
  });

  it('lists the slowest windows with Logs Insights over the window function\'s log group', () => {
    const query = widget('Slowest windows').query as string;
    expect(query).toContain(`SOURCE '<Ref:${idOf('AWS::Logs::LogGroup', 'WindowFunctionLogs')}>'`);
    expect(query).toContain(`filter message = "${WINDOW_FINISHED}"`);
    expect(query).toContain('sort durationMs desc');
  });

  it('shows every alarm\'s state', () => {
    expect((widget('Alarms').alarms as string[]).length).toBe(19);
  });
});
