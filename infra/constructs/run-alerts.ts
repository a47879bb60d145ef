// Alerting: one encrypted SNS topic that receives failed, timed-out and aborted executions
// (a partially failed run ends in the RunPartiallyFailed Fail state, so it is a FAILED
// execution too) and the alarms on failed executions and failed windows.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from './hourglass-function.js';

export const ALERT_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'];

export class RunAlerts extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: { stateMachine: sfn.StateMachine }) {
    super(scope, id);
    const stack = Stack.of(this);
    // A customer managed key: the AWS managed SNS key cannot be granted to EventBridge and CloudWatch.
    const key = new kms.Key(this, 'TopicKey', { enableKeyRotation: true, description: 'Encrypts the Hourglass alerts topic' });
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Hourglass run alerts', masterKey: key, enforceSSL: true });
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      const principal = new iam.ServicePrincipal(service);
      key.addToResourcePolicy(
        new iam.PolicyStatement({ principals: [principal], actions: ['kms:GenerateDataKey*', 'kms:Decrypt'], resources: ['*'], conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      );
    }
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({ principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')], actions: ['sns:Publish'], resources: [this.topic.topicArn], conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    );

    new events.Rule(this, 'ExecutionFailed', {
      description: 'Hourglass executions that failed (including partially failed runs), timed out or were aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ALERT_STATUSES, stateMachineArn: [props.stateMachine.stateMachineArn] },
      },
      targets: [new targets.SnsTopic(this.topic)],
    });

    const serviceMetric = (metricName: string) => new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      // Powertools adds the service dimension (POWERTOOLS_SERVICE_NAME = the stack name).
      dimensionsMap: { service: stack.stackName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
    });
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new actions.SnsAction(this.topic));
      return a;
    };
    this.alarms = [
      alarm('FailedExecutions', props.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }), 'An Hourglass run failed or partially failed'),
      alarm('TimedOutExecutions', props.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }), 'An Hourglass run timed out'),
      alarm('FailedWindows', serviceMetric('WindowsFailed'), 'Backfill windows failed: list them with GET /runs/{id}/windows?status=failed, re-run with POST /runs/{id}/retry'),
      alarm('VerifyFailed', serviceMetric('VerifyFailed'), 'Verify found drift or window count mismatches, or could not run (unverified): read the run record or the Verify output; hourglass verify --repair-sql shows the fix'),
    ];
  }
}
