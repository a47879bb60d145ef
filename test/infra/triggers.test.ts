// Guarded triggers in the template: the stage's own event bus with a resource policy (this
// account, plus configured ones), the Run Requested rule on that bus (never the default one)
// with an account filter and an action list that leaves revert out unless allowed, the
// envelope input, retries and an encrypted TLS-only dead-letter queue on every target, and
// the steps' second lock (HOURGLASS_EVENTBRIDGE_REVERT) set to match.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';
import { resources, type Resources } from './template-helpers.js';
import { synthError } from './synth-error.js';

const OTHER_ACCOUNT = '111122223333';
const SCHEDULE = { name: 'NightlyVerify', expression: 'cron(0 3 * * ? *)', input: { action: 'verify', target: 'analytics' } };

function synth(context: Record<string, unknown> = {}): { template: Template; all: Resources } {
  const { stack } = createHourglassApp({ context: { ...cdkJsonContext(), ...context }, bundle: false });
  const template = Template.fromStack(stack);
  return { template, all: resources(template) };
}

function idOf(all: Resources, type: string, prefix = ''): string {
  const ids = Object.keys(all).filter((id) => all[id]!.Type === type && id.startsWith(prefix));
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0]!;
}

const accountRoot = (account: unknown) =>
  typeof account === 'string' ? { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] } : { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', account, ':root']] };

describe('by default (cdk.json, with a schedule)', () => {
  let template: Template;
  let all: Resources;
  beforeAll(() => {
    ({ template, all } = synth({ 'hourglass:schedule': SCHEDULE }));
  });

  it('has one event bus of its own, named for the stage, that only this account may put events on', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'hourglass-dev' });
    template.resourceCountIs('AWS::Events::EventBusPolicy', 1);
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      EventBusName: { Ref: idOf(all, 'AWS::Events::EventBus') },
      Statement: {
        Effect: 'Allow', Action: 'events:PutEvents', Principal: { AWS: accountRoot({ Ref: 'AWS::AccountId' }) }, Resource: { 'Fn::GetAtt': [idOf(all, 'AWS::Events::EventBus'), 'Arn'] }, Sid: Match.anyValue(),
        Condition: { 'ForAllValues:StringEquals': { 'events:source': ['hourglass'] }, StringEquals: { 'events:detail-type': 'Run Requested' } },
      },
    });
  });

  it('puts the Run Requested rule on that bus, for this account and every action but revert', () => {
    const rule = all[idOf(all, 'AWS::Events::Rule', 'TriggersRunRequested')]!.Properties;
    expect(rule.EventBusName).toEqual({ Ref: idOf(all, 'AWS::Events::EventBus') });
    expect(rule.EventPattern).toEqual({
      source: ['hourglass'],
      'detail-type': ['Run Requested'],
      account: [{ Ref: 'AWS::AccountId' }],
      detail: { action: ['apply', 'backfill', 'retry', 'resume', 'verify'], target: [{ exists: true }] },
    });
    // No other rule starts executions from the default bus on events (schedules carry no pattern).
    const onDefaultBus = Object.values(all).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern?.source?.includes('hourglass') && r.Properties.EventBusName === undefined);
    expect(onDefaultBus).toEqual([]);
  });

  it('starts the state machine with the envelope: routing fields, who sent it, and the detail', () => {
    const [target] = all[idOf(all, 'AWS::Events::Rule', 'TriggersRunRequested')]!.Properties.Targets;
    expect(target.Arn).toEqual({ Ref: idOf(all, 'AWS::StepFunctions::StateMachine') });
    expect(target.InputPath).toBeUndefined();
    const paths = target.InputTransformer.InputPathsMap as Record<string, string>;
    const rendered = JSON.parse((target.InputTransformer.InputTemplate as string).replace(/<([^>]+)>/g, (_, name: string) => JSON.stringify(paths[name])));
    expect(rendered).toEqual({ action: '$.detail.action', target: '$.detail.target', trigger: { source: 'eventbridge', eventId: '$.id', account: '$.account' }, detail: '$.detail' });
  });

  it('retries every target and parks what still fails in one encrypted, TLS-only dead-letter queue', () => {
    const dlq = idOf(all, 'AWS::SQS::Queue', 'TriggersDeadLetters');
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlq }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const starting = Object.values(all).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.Targets?.[0]?.Arn?.Ref === idOf(all, 'AWS::StepFunctions::StateMachine'));
    expect(starting).toHaveLength(2); // Run Requested and the schedule
    for (const rule of starting) {
      expect(rule.Properties.Targets[0]).toMatchObject({
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 3600 },
      });
    }
    // EventBridge may send to the queue only on behalf of these rules.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } } })]) },
    });
  });

  it('tells the steps to refuse revert from EventBridge', () => {
    for (const fn of Object.values(all).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      expect(fn.Properties.Environment.Variables.HOURGLASS_EVENTBRIDGE_REVERT).toBe('refuse');
    }
  });
});

describe('with more accounts and revert allowed', () => {
  let template: Template;
  let all: Resources;
  beforeAll(() => {
    ({ template, all } = synth({ 'hourglass:eventBus': { accounts: [OTHER_ACCOUNT], allowRevert: true } }));
  });

  it('lets the configured account put events and match the rule, and lets revert through', () => {
    template.hasResourceProperties('AWS::Events::EventBusPolicy', { Statement: Match.objectLike({ Principal: { AWS: [accountRoot({ Ref: 'AWS::AccountId' }), accountRoot(OTHER_ACCOUNT)] } }) });
    const rule = all[idOf(all, 'AWS::Events::Rule', 'TriggersRunRequested')]!.Properties;
    expect(rule.EventPattern.account).toEqual([{ Ref: 'AWS::AccountId' }, OTHER_ACCOUNT]);
    expect(rule.EventPattern.detail.action).toContain('revert');
    for (const fn of Object.values(all).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      expect(fn.Properties.Environment.Variables.HOURGLASS_EVENTBRIDGE_REVERT).toBe('allow');
    }
  });
});

describe('event bus configuration errors fail synth with one line', () => {

  it.each([
    [{ 'hourglass:eventBus': { accounts: ['12345'] } }, 'context hourglass:eventBus.accounts must be a list of 12-digit AWS account ids'],
    [{ 'hourglass:eventBus': { allowRevert: 'yes' } }, 'context hourglass:eventBus.allowRevert must be true or false'],
    [{ 'hourglass:eventBus': { orgId: 'o-1' } }, 'context hourglass:eventBus: unknown field "orgId" (known: accounts, allowRevert)'],
    [{ 'hourglass:schedule': { name: 'Undo', expression: 'rate(1 day)', input: { action: 'revert', target: 'analytics' } } }, 'context hourglass:schedule: schedule Undo reverts, which EventBridge may not unless context hourglass:eventBus.allowRevert is true'],
  ])('%j', (context, expected) => {
    expect(synthError(context)).toBe(expected);
  });
});
