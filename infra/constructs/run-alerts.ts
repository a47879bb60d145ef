// Where alerts go. Two encrypted SNS topics, so that a person is paged once per failed run:
//
// - Topic (paging, output AlertsTopicArn): one message per failed, partially failed, timed-out
//   or aborted execution, from the EventBridge status-change rule below (a partial run ends in
//   the RunPartiallyFailed Fail state, so it is a FAILED execution too). Not a run refused at
//   Plan (RunRefused: another run holds the target and version, or the run id is taken, e.g.
//   a duplicate event): nothing broke and the holder runs on. Such an execution ends FAILED under
//   the refusal's error name, which the rule excludes; it stays in the execution history and
//   counts on the dashboard (RunsRefused, from the state machine's ERROR-level log lines). The rule, not the
//   ExecutionsFailed alarm, is the run channel: it fires per execution and names it, where the
//   alarm would fire once per period for any number of runs and then again on its OK. Alarms
//   page here only for what no failed run reports: a run request that never started (the
//   trigger dead-letter queue) and the operator API answering 5xx.
// - WarningsTopic (non-paging, output WarningsTopicArn; subscribe a mailbox or chat): the
//   alarms that explain a failure or foretell one — Lambda errors and throttles, DynamoDB
//   throttling, failed windows, failed verifies. Each is retried by the state machine, or ends
//   in a failed run the paging topic already reported.
//
// The execution alarms (ExecutionsFailed, ExecutionsTimedOut) stay, without actions: they sit
// on the dashboard and in the console's alarm list.
import { Stack } from 'aws-cdk-lib';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { REFUSED_ERRORS } from '../../functions/handlers/error-names.js';

export const ALERT_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'];

/**
 * The execution's error, for the rule: anything but a refusal's name. An event without an
 * error (absent or null, as an abort may have) still pages: only a named refusal is spared.
 */
export const ALERT_ERROR_MATCH = events.Match.anyOf(events.Match.nullValue(), events.Match.doesNotExist(), events.Match.anythingBut(...REFUSED_ERRORS));

export class RunAlerts extends Construct {
  /** Pages: one message per failed run, plus failed starts and API 5xx. */
  readonly topic: sns.Topic;
  /** Does not page: signals behind a failure, or before one. */
  readonly warnings: sns.Topic;

  constructor(scope: Construct, id: string, props: { stateMachine: sfn.StateMachine }) {
    super(scope, id);
    const stack = Stack.of(this);
    // A customer managed key: the AWS managed SNS key cannot be granted to EventBridge and CloudWatch.
    const key = new kms.Key(this, 'TopicKey', { enableKeyRotation: true, description: 'Encrypts the Hourglass alerts and warnings topics' });
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      const principal = new iam.ServicePrincipal(service);
      key.addToResourcePolicy(
        new iam.PolicyStatement({ principals: [principal], actions: ['kms:GenerateDataKey*', 'kms:Decrypt'], resources: ['*'], conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      );
    }
    const topic = (topicId: string, displayName: string): sns.Topic => {
      const t = new sns.Topic(this, topicId, { displayName, masterKey: key, enforceSSL: true });
      t.addToResourcePolicy(
        new iam.PolicyStatement({ principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')], actions: ['sns:Publish'], resources: [t.topicArn], conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      );
      return t;
    };
    this.topic = topic('Topic', 'Hourglass run alerts (paging)');
    this.warnings = topic('WarningsTopic', 'Hourglass warnings (not paging)');

    new events.Rule(this, 'ExecutionFailed', {
      description: 'Pages once per Hourglass execution that failed (including partially failed runs, not refused ones), timed out or was aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ALERT_STATUSES, stateMachineArn: [props.stateMachine.stateMachineArn], error: ALERT_ERROR_MATCH },
      },
      targets: [new targets.SnsTopic(this.topic)],
    });
  }

  page(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    return alarm;
  }

  warn(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    alarm.addAlarmAction(new actions.SnsAction(this.warnings));
    return alarm;
  }
}
