// The Hourglass stack of one stage: state table, six functions, the run state machine, the
// HTTP API, EventBridge triggers on the stage's own bus, alerts, alarms and a dashboard. Each function gets only its own table, secret and
// state-machine permissions (see FUNCTIONS below).
import { ArnFormat, CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { STATE } from './state-names.js';
import { FUNCTION_TIMEOUT_SECONDS, type FunctionName } from './function-timeouts.js';
import type { HourglassConfig } from './config.js';
import { FunctionNetwork } from './constructs/function-network.js';
import { HourglassFunction } from './constructs/hourglass-function.js';
import { RunAlerts } from './constructs/run-alerts.js';
import { RunApi } from './constructs/run-api.js';
import { RunDashboard } from './constructs/run-dashboard.js';
import { RunStateMachine } from './constructs/run-state-machine.js';
import { RunTriggers } from './constructs/run-triggers.js';
import { ServiceAlarms } from './constructs/service-alarms.js';
import { StateTable } from './constructs/state-table.js';
import { logGroupProps } from './logs-config.js';
import { EVENTBRIDGE_REVERT_ENV } from '../functions/handlers/events.js';
import { API_REVERT_ENV } from '../functions/handlers/api-run-guards.js';


interface FunctionSpec {
  description: string;
  memorySize: number;
  timeout: Duration;
  /** Opens targets: reads their secrets, needs migrations/ in its bundle, and runs in the VPC when one is configured. */
  opensTargets: boolean;
  table: 'read' | 'readWrite';
}

const FUNCTIONS: Record<FunctionName, FunctionSpec> = {
  apply: { description: 'Hourglass Apply: pending migrations under the target lock', memorySize: 1024, timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.apply), opensTargets: true, table: 'readWrite' },
  plan: { description: 'Hourglass Plan: window records and batches of a backfill or retry', memorySize: 1024, timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.plan), opensTargets: true, table: 'readWrite' },
  window: { description: 'Hourglass window batch: claims and runs backfill windows', memorySize: 1024, timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.window), opensTargets: true, table: 'readWrite' },
  verify: { description: 'Hourglass Verify: live schema and window counts', memorySize: 1024, timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.verify), opensTargets: true, table: 'read' },
  finalize: { description: 'Hourglass Finalize: rolls up window counts, decides the outcome', memorySize: 512, timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.finalize), opensTargets: false, table: 'readWrite' },
  api: { description: 'Hourglass HTTP API: start runs, read runs and windows, report, retry, pause and throttle', memorySize: 512, timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.api), opensTargets: false, table: 'read' },
};

export interface HourglassStackProps extends StackProps {
  config: HourglassConfig;
  repoRoot: string;
}

export type { FunctionName } from './function-timeouts.js';

export class HourglassStack extends Stack {
  readonly state: StateTable;
  readonly functions: Record<FunctionName, HourglassFunction>;
  readonly runs: RunStateMachine;
  readonly api: RunApi;
  readonly alerts: RunAlerts;
  readonly triggers: RunTriggers;
  readonly alarms: ServiceAlarms;
  readonly dashboard: RunDashboard;
  /** Only with a vpc setting. */
  readonly network?: FunctionNetwork;

  constructor(scope: Construct, id: string, props: HourglassStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.state = new StateTable(this, 'State');
    // Only the functions that open targets go into the VPC (FUNCTIONS' opensTargets); api and finalize stay out.
    this.network = config.vpc ? new FunctionNetwork(this, 'Network', { config: config.vpc, targets: config.targets }) : undefined;
    const logGroup = logGroupProps(config.logs);
    const environment = {
      TABLE_NAME: this.state.table.tableName,
      HOURGLASS_TARGETS: JSON.stringify(config.targets),
      // The steps' second lock on revert from EventBridge (events.ts); the rule's pattern is the first.
      [EVENTBRIDGE_REVERT_ENV]: config.eventBus.allowRevert ? 'allow' : 'refuse',
    };
    // Full secret ARNs only (config.ts refuses names and partial ARNs): exact resources, no pattern.
    const secretArns = [...new Set(Object.values(config.targets).map((target) => target.secretArn))];
    const kmsKeyArns = [...new Set(Object.values(config.targets).flatMap((target) => (target.kmsKeyArn ? [target.kmsKeyArn] : [])))];

    const make = (name: FunctionName, extraEnv: Record<string, string> = {}): HourglassFunction => {
      const spec = FUNCTIONS[name];
      const fn = new HourglassFunction(this, `${name[0]!.toUpperCase()}${name.slice(1)}Function`, {
        handler: name,
        description: spec.description,
        repoRoot: props.repoRoot,
        memorySize: spec.memorySize,
        timeout: spec.timeout,
        environment: { ...environment, ...extraEnv },
        withMigrations: spec.opensTargets,
        vpc: spec.opensTargets ? this.network?.placement : undefined,
        logGroup,
      });
      if (spec.table === 'readWrite') this.state.grantReadWrite(fn.role);
      else this.state.grantRead(fn.role);
      if (spec.opensTargets) {
        fn.role.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secretArns }));
        // A secret under a customer managed key: decrypt with exactly those keys, and only on behalf of Secrets Manager.
        if (kmsKeyArns.length > 0) {
          fn.role.addToPolicy(new iam.PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: kmsKeyArns,
            conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` } },
          }));
        }
      }
      return fn;
    };
    const apply = make('apply');
    const plan = make('plan');
    const window = make('window');
    const verify = make('verify');
    const finalize = make('finalize');

    this.runs = new RunStateMachine(this, 'Runs', {
      [STATE.apply]: apply.function,
      [STATE.plan]: plan.function,
      [STATE.runWindowBatch]: window.function,
      [STATE.verify]: verify.function,
      [STATE.finalize]: finalize.function,
    }, { logLevel: config.logs.level, logGroup });
    const stateMachine = this.runs.stateMachine;

    // POST /runs/revert answers 403 unless the stage allows it (api.allowRevert); IAM can forbid the resource on top.
    const api = make('api', { STATE_MACHINE_ARN: stateMachine.stateMachineArn, [API_REVERT_ENV]: config.api.allowRevert ? 'allow' : 'refuse' });
    // StartExecution to start runs; ListExecutions to see whether a retry of a run is already running.
    api.role.addToPolicy(new iam.PolicyStatement({ actions: ['states:StartExecution', 'states:ListExecutions'], resources: [stateMachine.stateMachineArn] }));
    // Throttle: find the Map run of a run's execution and set its concurrency (UpdateMapRun).
    api.role.addToPolicy(new iam.PolicyStatement({ actions: ['states:ListMapRuns'], resources: [this.formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachine.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })] }));
    api.role.addToPolicy(new iam.PolicyStatement({ actions: ['states:UpdateMapRun'], resources: [this.formatArn({ service: 'states', resource: 'mapRun', resourceName: `${stateMachine.stateMachineName}/*:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })] }));
    NagSuppressions.addResourceSuppressions(api.role, [{
      id: 'AwsSolutions-IAM5',
      reason: "Throttle finds the Map run of a run's execution (ListMapRuns on executions of this state machine: their names are run ids) and sets its concurrency (UpdateMapRun on this state machine's Map runs, whose ids Step Functions generates): nothing outside this state machine is reachable.",
      appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:(execution|mapRun):<RunsStateMachine[0-9A-F]{8}\\.Name>(:|\\/)\\*(:\\*)?$/' }],
    }], true);
    // Pause and throttle write the run's valve attribute and nothing else: the API stays read-only on every other attribute.
    api.role.addToPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:UpdateItem'],
      resources: [this.state.table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'valve'] } },
    }));
    // POST /runs idempotency keys: put and forget their own items (pk IDEM#…, functions/engine/state/idempotency-keys.ts), nothing else.
    api.role.addToPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resources: [this.state.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['IDEM#*'] } },
    }));
    this.functions = { apply, plan, window, verify, finalize, api };
    this.api = new RunApi(this, 'Http', { handler: api.function, logGroup });
    this.triggers = new RunTriggers(this, 'Triggers', { stage: config.stage, stateMachine, schedules: config.schedules, eventBus: config.eventBus });
    this.alerts = new RunAlerts(this, 'Alerts', { stateMachine });
    this.alarms = new ServiceAlarms(this, 'Alarms', {
      alerts: this.alerts,
      stateMachine,
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, fn]) => [name, fn.function])),
      table: this.state.table,
      api: this.api.api,
      deadLetterQueue: this.triggers.deadLetterQueue,
    });
    this.dashboard = new RunDashboard(this, 'Dashboard', { stage: config.stage, stateMachine, windowLogGroup: window.logGroup, stateMachineLogGroup: this.runs.logGroup, alarms: this.alarms.alarms });

    // Export names carry the stack name (Hourglass-<stage>), so the stages' exports never collide.
    const output = (id: string, value: string, description: string): CfnOutput => new CfnOutput(this, id, { value, description, exportName: `${this.stackName}-${id}` });
    output('ApiUrl', this.api.url, 'HTTP API (IAM-signed requests)');
    output('StateMachineArn', stateMachine.stateMachineArn, 'The run state machine');
    output('TableName', this.state.table.tableName, 'The state table');
    output('EventBusName', this.triggers.bus.eventBusName, 'Put Run Requested events here');
    output('EventBusArn', this.triggers.bus.eventBusArn, 'Put Run Requested events here (from another account: by ARN)');
    output('TriggerDeadLetterQueueUrl', this.triggers.deadLetterQueue.queueUrl, 'Run requests that could not start an execution');
    output('AlertsTopicArn', this.alerts.topic.topicArn, 'Pages: one message per failed run, failed starts, API 5xx');
    output('WarningsTopicArn', this.alerts.warnings.topicArn, 'Does not page: Lambda errors and throttles, DynamoDB throttling, failed windows and verifies');
    output('DashboardName', this.dashboard.dashboard.dashboardName, 'CloudWatch dashboard of this stage');
    if (this.network) {
      output('FunctionsSecurityGroupIds', Fn.join(',', this.network.placement.securityGroups.map((sg) => sg.securityGroupId)), "The security groups of the functions that open targets (comma-separated; created by the stack unless vpc.securityGroupIds): allow them on the database's port");
    }
  }
}
