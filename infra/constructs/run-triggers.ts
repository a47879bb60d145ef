// How executions start besides the console and the API:
//
// - "Run Requested" events (source hourglass) on the stage's own event bus, never the default
//   bus: its resource policy lets only this account (and the accounts configuration adds) put
//   events, and the rule matches only those accounts and only the allowed actions — revert
//   only when configuration allows it. The execution input is an envelope built by EventBridge
//   ({action, target, trigger: {source: "eventbridge", eventId, account}, detail}): the state
//   machine routes on action/target as before, and the handlers unwrap `detail` and refuse a
//   revert again (functions/handlers/events.ts), so a rule edited by hand cannot slip one in.
// - Schedules from configuration (their inputs were validated at synth). Scheduled rules exist
//   only on the default bus; their input is fixed in the template, so no caller chooses it.
//
// Every target retries a failed StartExecution (throttling, a deploy replacing the role) and
// then parks the event in an encrypted dead-letter queue, so a failed start is never lost:
// the alarm on that queue pages (service-alarms.ts).
import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { EventBusConfig, ScheduleConfig } from '../config.js';

export const RUN_REQUESTED = { source: 'hourglass', detailType: 'Run Requested' } as const;
/** Actions an event may request; revert joins them only when configuration allows it. */
export const EVENT_ACTIONS = ['apply', 'backfill', 'retry', 'resume', 'verify'] as const;
/** Retries of a failed StartExecution before the event goes to the dead-letter queue. */
export const TARGET_RETRY = { attempts: 8, maxEventAge: Duration.hours(1) } as const;

export interface RunTriggersProps {
  stage: string;
  stateMachine: sfn.IStateMachine;
  schedules: ScheduleConfig[];
  eventBus: EventBusConfig;
}

export class RunTriggers extends Construct {
  readonly bus: events.EventBus;
  readonly runRequested: events.Rule;
  readonly schedules: events.Rule[];
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: RunTriggersProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: `hourglass-${props.stage}`, description: `Hourglass ${props.stage}: Run Requested events start runs` });
    this.bus.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'PutRunRequests',
      principals: [new iam.AccountPrincipal(account), ...props.eventBus.accounts.map((a) => new iam.AccountPrincipal(a))],
      actions: ['events:PutEvents'],
      resources: [this.bus.eventBusArn],
      // Only run requests reach this bus (condition keys and form as in EventBridge's cross-account example).
      conditions: { 'ForAllValues:StringEquals': { 'events:source': [RUN_REQUESTED.source] }, StringEquals: { 'events:detail-type': RUN_REQUESTED.detailType } },
    }));

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(this.deadLetterQueue, [{
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the EventBridge targets (run requests that could not start an execution); nothing consumes it automatically, so it needs no dead-letter queue of its own. An alarm pages when it holds a message.',
    }]);
    const target = (input: events.RuleTargetInput): targets.SfnStateMachine => new targets.SfnStateMachine(props.stateMachine, {
      input,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: TARGET_RETRY.attempts,
      maxEventAge: TARGET_RETRY.maxEventAge,
    });

    const actions = [...EVENT_ACTIONS, ...(props.eventBus.allowRevert ? ['revert'] : [])];
    this.runRequested = new events.Rule(this, 'RunRequested', {
      eventBus: this.bus,
      description: `Starts an Hourglass run from a Run Requested event (actions: ${actions.join(', ')}); the event detail is the run input`,
      eventPattern: {
        source: [RUN_REQUESTED.source],
        detailType: [RUN_REQUESTED.detailType],
        account: [account, ...props.eventBus.accounts],
        detail: { action: actions, target: events.Match.exists() },
      },
      targets: [target(events.RuleTargetInput.fromObject({
        action: events.EventField.fromPath('$.detail.action'),
        target: events.EventField.fromPath('$.detail.target'),
        trigger: { source: 'eventbridge', eventId: events.EventField.eventId, account: events.EventField.account },
        detail: events.EventField.fromPath('$.detail'),
      }))],
    });
    this.schedules = props.schedules.map(
      (schedule) =>
        new events.Rule(this, schedule.name, {
          description: `Scheduled Hourglass run ${schedule.name}: ${schedule.input.action} on ${schedule.input.target}`,
          schedule: events.Schedule.expression(schedule.expression),
          targets: [target(events.RuleTargetInput.fromObject(schedule.input))],
        }),
    );
  }
}
