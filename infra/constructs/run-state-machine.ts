// The run state machine (Standard, JSONPath):
//
//   ValidateInput ── no string "action"/"target" ──► InvalidInput (Fail)
//   └► PrepareRun ► RouteAction ── apply | backfill | revert ──► Apply ► NeedsBackfill ── backfill ──► Plan
//                        │                                                  └── otherwise ──► Verify
//                        ├── retry | resume ──► Plan ► BackfillWindows (Map of RunWindowBatch ⇄ BatchMore) ► Verify
//                        └── verify ─► Verify ► Finalize ► RunOutcome ► RunSucceeded | RunPartiallyFailed | RunFailed
//
// Every Task catches into Finalize (the error at $.error); a failing Finalize ends in
// FinalizeFailed. A batch that fails (after its retries) counts against the input's
// toleratedFailurePercentage (default 100, so the other batches run on and the run ends
// partial, for `resume`). Past it the Map raises States.ExceedToleratedFailureThreshold, which
// the Map's one Catch sends to Finalize: the run is recorded failed and its run lease released
// at once (another run of the target and version need not wait out the lease), and the
// execution ends RunFailed; `resume` (or `retry`) continues the run. Every other Map failure
// stays uncaught, with no MapStateExited, so RedriveExecution re-runs only the failed (or
// aborted) children, as it does for an aborted or timed-out execution. A redriven child claims
// its windows again (pending, and leases that expired: they are a minute long and renewed only
// while their statement runs).
// Task timeouts sit a minute above the function's, so a Lambda timeout is reported as such
// (Sandbox.Timedout) rather than as a state timeout.
//
// State data: {input, executionName, apply?, plan?, verify?, error?, finalize?}. `input` is the
// execution input untouched (handlers validate it with parseRunInput); `error` appears only when
// a Catch records {Error, Cause} there and jumps to Finalize, which ends the run as failed.
//
// The Map is a Distributed Map with STANDARD children: a child runs one batch of windows, in as
// many invocations as it takes (RunWindowBatch ⇄ BatchMore, each within the Lambda's 15
// minutes), which EXPRESS children (5-minute cap, at-least-once) would not allow; and each
// batch appears as its own execution in the console, where an operator looks when one hour
// misbehaves. Items come inline from Plan's output (batch
// numbers, small even for 87,600 windows); the child reads its windows from DynamoDB. Results are
// discarded (Finalize reads the counts from DynamoDB), so the payload never grows with the run.
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { REFUSED_ERRORS, RETRYABLE_ERRORS } from '../../functions/handlers/error-names.js';
import { WINDOW_LEASE_MS } from '../../functions/engine/state/lease-heartbeat.js';
import type { LogGroupSettings, StateMachineLogLevel } from '../logs-config.js';
import { INVALID_INPUT, RUN_FAILED, RUN_PARTIALLY_FAILED, STATE, type TaskStateName } from '../state-names.js';

export type StepFunctions = Record<TaskStateName, lambda.IFunction>;

export interface RunStateMachineOptions {
  /** The stage's state-machine log level (logs-config.ts); execution data is logged only at ALL. */
  logLevel: StateMachineLogLevel;
  logGroup: LogGroupSettings;
}

const { JsonPath, Condition } = sfn;
/** What a Distributed Map fails with when more children failed than its tolerance allows. */
export const MAP_TOLERANCE_EXCEEDED = 'States.ExceedToleratedFailureThreshold';
const action = (value: string): sfn.Condition => Condition.stringEquals('$.input.action', value);

export class RunStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, fns: StepFunctions, options: RunStateMachineOptions) {
    super(scope, id);
    const runStepPayload = sfn.TaskInput.fromObject({ input: JsonPath.objectAt('$.input'), executionName: JsonPath.stringAt('$.executionName') });
    // Without a payload the Task passes its whole input (the Map item, or Finalize's state data).
    const task = (name: TaskStateName, payload: sfn.TaskInput | undefined, resultPath: string, timeout: Duration): tasks.LambdaInvoke => {
      const t = new tasks.LambdaInvoke(this, name, {
        lambdaFunction: fns[name],
        ...(payload ? { payload } : {}),
        // The function's own result is the state's result: no {Payload} envelope (the local runner returns it as is).
        payloadResponseOnly: true,
        // Lambda.ServiceException, AWSLambdaException, SdkClientException: 6 attempts, backoff ×2 from 2 s.
        retryOnServiceExceptions: true,
        resultPath,
        taskTimeout: sfn.Timeout.duration(timeout),
      });
      t.addRetry({ errors: ['Lambda.TooManyRequestsException', ...RETRYABLE_ERRORS], interval: Duration.seconds(5), maxAttempts: 4, backoffRate: 2, maxDelay: Duration.minutes(2), jitterStrategy: sfn.JitterType.FULL });
      return t;
    };

    const invalidInput = new sfn.Fail(this, STATE.invalidInput, { error: INVALID_INPUT, cause: 'Execution input must be a JSON object with string "action" (apply, backfill, retry, resume, verify, revert) and "target"' });
    const runSucceeded = new sfn.Succeed(this, STATE.runSucceeded);
    const runPartiallyFailed = new sfn.Fail(this, STATE.runPartiallyFailed, { error: RUN_PARTIALLY_FAILED, cause: 'Some windows failed, or Verify found drift or could not run: the Finalize output and the run record say which. Re-run failed windows with POST /runs/{id}/retry or {"action":"retry","runId":...}; every window not done with POST /runs/{id}/resume or {"action":"resume","runId":...}' });
    const runFailed = new sfn.Fail(this, STATE.runFailed, { error: RUN_FAILED, cause: 'The run failed: see the Finalize output and the run record' });
    const finalizeFailed = new sfn.Fail(this, STATE.finalizeFailed, { error: 'FinalizeFailed', cause: 'Finalize could not record the outcome: see the finalize function logs' });

    // Finalize gets the whole state data: {input, executionName, error?} (error only after a Catch).
    const finalize = task(STATE.finalize, undefined, '$.finalize', Duration.minutes(6));
    finalize.addCatch(finalizeFailed, { resultPath: '$.finalizeError' });
    finalize.next(
      new sfn.Choice(this, STATE.runOutcome)
        .when(Condition.stringEquals('$.finalize.status', 'succeeded'), runSucceeded)
        .when(Condition.stringEquals('$.finalize.status', 'partial'), runPartiallyFailed)
        .otherwise(runFailed),
    );
    const toFinalize = <T extends { addCatch(handler: sfn.IChainable, props?: sfn.CatchProps): unknown }>(state: T): T => {
      state.addCatch(finalize, { resultPath: '$.error' });
      return state;
    };

    const verify = toFinalize(task(STATE.verify, runStepPayload, '$.verify', Duration.minutes(16)));
    verify.next(finalize);

    // The child: RunWindowBatch runs windows while its invocation has time and answers
    // {more: true} when it stopped with windows left; BatchMore sends it round again. The item
    // ({runId, mode, target, batch}) stays the state data; the last answer sits at $.result.
    const batchItem = sfn.TaskInput.fromObject({ runId: JsonPath.stringAt('$.runId'), mode: JsonPath.stringAt('$.mode'), target: JsonPath.stringAt('$.target'), batch: JsonPath.numberAt('$.batch'), options: JsonPath.objectAt('$.options') });
    const windowBatch = task(STATE.runWindowBatch, batchItem, '$.result', Duration.minutes(16));
    // A timed-out batch leaves its windows leased; the retry, after the lease has run out, claims them again.
    windowBatch.addRetry({ errors: ['Sandbox.Timedout', 'States.Timeout'], interval: Duration.seconds(WINDOW_LEASE_MS / 1000 + 15), maxAttempts: 2, backoffRate: 2 });
    const batchLoop = windowBatch.next(
      new sfn.Choice(this, STATE.batchMore)
        .when(Condition.booleanEquals('$.result.more', true), windowBatch)
        .otherwise(new sfn.Succeed(this, STATE.batchDone)),
    );
    // One Catch (see the top): past the tolerance only; any other failure leaves the Map unexited for RedriveExecution.
    const backfill = new sfn.DistributedMap(this, STATE.backfillWindows, {
      itemsPath: '$.plan.batches',
      itemSelector: { runId: JsonPath.stringAt('$.plan.runId'), mode: JsonPath.stringAt('$.plan.mode'), target: JsonPath.stringAt('$.input.target'), batch: JsonPath.numberAt('$$.Map.Item.Value'), options: JsonPath.objectAt('$.plan.options') },
      // Plan returns the input's concurrency with the default applied: the database's load valve.
      maxConcurrencyPath: '$.plan.concurrency',
      // And the input's tolerance, default 100: failed batches count, they do not stop the others.
      toleratedFailurePercentagePath: '$.plan.toleratedFailurePercentage',
      mapExecutionType: sfn.StateMachineType.STANDARD,
      label: 'WindowBatch',
      resultPath: JsonPath.DISCARD,
    });
    backfill.itemProcessor(batchLoop).next(verify);
    backfill.addCatch(finalize, { errors: [MAP_TOLERANCE_EXCEEDED], resultPath: '$.error' });

    // A run refused by Plan (another run holds the target and version, or the run id is taken)
    // ends under the refusal's own name, before the generic Catch: Finalize would write onto a
    // run that is not this execution's.
    const runRefused = new sfn.Fail(this, STATE.runRefused, { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const planTask = task(STATE.plan, runStepPayload, '$.plan', Duration.minutes(16));
    planTask.addCatch(runRefused, { errors: [...REFUSED_ERRORS], resultPath: '$.error' });
    const plan = toFinalize(planTask);
    plan.next(backfill);

    const apply = toFinalize(task(STATE.apply, runStepPayload, '$.apply', Duration.minutes(16)));
    apply.next(new sfn.Choice(this, STATE.needsBackfill).when(action('backfill'), plan).otherwise(verify));

    const route = new sfn.Choice(this, STATE.routeAction)
      .when(Condition.or(action('apply'), action('backfill'), action('revert')), apply)
      .when(Condition.or(action('retry'), action('resume')), plan)
      .when(action('verify'), verify)
      .otherwise(invalidInput);
    const prepare = new sfn.Pass(this, STATE.prepareRun, {
      comment: 'Keeps the input untouched under $.input; the execution name is the run id unless the input names one',
      parameters: { input: JsonPath.objectAt('$'), executionName: JsonPath.stringAt('$$.Execution.Name') },
    });
    const present = (path: string): sfn.Condition => Condition.and(Condition.isPresent(path), Condition.isString(path));
    const validate = new sfn.Choice(this, STATE.validateInput, { comment: 'Coarse shape check; every handler validates fully with parseRunInput' })
      .when(Condition.not(Condition.and(present('$.action'), present('$.target'))), invalidInput)
      .otherwise(prepare.next(route));

    this.logGroup = new logs.LogGroup(this, 'Logs', options.logGroup);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(validate),
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.days(7),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel[options.logLevel], includeExecutionData: options.logLevel === 'ALL' },
      comment: 'Hourglass run: apply migrations, backfill hourly windows, verify, finalize',
    });
    NagSuppressions.addResourceSuppressions(
      this.stateMachine, // its role's default policy and the Distributed Map policy
      [
        {
          id: 'AwsSolutions-IAM5',
          reason: 'Added by CDK for execution logging (logs:*LogDelivery, DescribeLogGroups, PutResourcePolicy) and X-Ray tracing: these actions support no resource-level permissions.',
          appliesTo: ['Resource::*'],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason: "lambda:InvokeFunction on this stack's five step functions and their versions/aliases (<fn>:*), as CDK grants it: no other function is reachable.",
          appliesTo: [{ regex: '/^Resource::<[A-Za-z0-9]+Function[0-9A-F]{8}\\.Arn>:\\*$/' }],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason: "The Distributed Map must describe, stop and redrive its own child executions, whose names Step Functions generates: scoped to executions of this state machine (execution:<its name>:*).",
          appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:.*:\\*$/' }],
        },
      ],
      true,
    );
  }
}
