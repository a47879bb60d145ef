// How executions start besides the console and the API: an EventBridge rule on
// `source: hourglass`, `detail-type: Run Requested` whose detail is the execution input, and
// optional schedules from configuration (their inputs were validated at synth).
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ScheduleConfig } from '../config.js';

export const RUN_REQUESTED = { source: 'hourglass', detailType: 'Run Requested' } as const;

export class RunTriggers extends Construct {
  readonly runRequested: events.Rule;
  readonly schedules: events.Rule[];

  constructor(scope: Construct, id: string, props: { stateMachine: sfn.IStateMachine; schedules: ScheduleConfig[] }) {
    super(scope, id);
    this.runRequested = new events.Rule(this, 'RunRequested', {
      description: 'Starts an Hourglass run; the event detail is the execution input',
      eventPattern: { source: [RUN_REQUESTED.source], detailType: [RUN_REQUESTED.detailType] },
      targets: [new targets.SfnStateMachine(props.stateMachine, { input: events.RuleTargetInput.fromEventPath('$.detail') })],
    });
    this.schedules = props.schedules.map(
      (schedule) =>
        new events.Rule(this, schedule.name, {
          description: `Scheduled Hourglass run ${schedule.name}: ${schedule.input.action} on ${schedule.input.target}`,
          schedule: events.Schedule.expression(schedule.expression),
          targets: [new targets.SfnStateMachine(props.stateMachine, { input: events.RuleTargetInput.fromObject(schedule.input) })],
        }),
    );
  }
}
