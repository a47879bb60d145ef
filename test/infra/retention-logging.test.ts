// Retention and logging: the table cannot be deleted (RETAIN, deletion protection); every log
// group — the six functions', the state machine's, the API's access logs — has the stage's one
// retention and is RETAIN too (the dashboard reads the functions' logs); the state machine logs
// at the stage's level, ALL (with execution data) only in dev by default, ERROR elsewhere.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';
import { resources } from './template-helpers.js';
import { synthError } from './synth-error.js';

const TARGETS = { analytics: { engine: 'clickhouse', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hourglass/analytics-AbCdEf' } };

function synth(context: Record<string, unknown> = {}): Template {
  const { stack } = createHourglassApp({ context: { ...cdkJsonContext(), ...context }, bundle: false });
  return Template.fromStack(stack);
}
const stage = (name: string, settings: Record<string, unknown> = {}) => ({ stage: name, 'hourglass:stages': { [name]: { targets: TARGETS, ...settings } } });
const loggingOf = (t: Template) => Object.values(t.findResources('AWS::StepFunctions::StateMachine'))[0]!.Properties.LoggingConfiguration as { Level: string; IncludeExecutionData: boolean };

describe('retention', () => {
  it('the state table is RETAIN with deletion protection and point-in-time recovery', () => {
    const t = synth();
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
    });
  });

  it("every log group (six functions, the state machine, the API's access logs) has one retention and is RETAIN", () => {
    const t = synth();
    const all = resources(t);
    const groups = Object.entries(t.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(8);
    for (const [id, group] of groups) {
      expect({ id, retention: group.Properties.RetentionInDays, deletion: group.DeletionPolicy, replace: group.UpdateReplacePolicy }).toEqual({ id, retention: 90, deletion: 'Retain', replace: 'Retain' });
    }
    // The groups are the ones in use: each function's, the state machine's and the API stage's.
    const ids = groups.map(([id]) => id);
    for (const fn of Object.values(all).filter((r) => r.Type === 'AWS::Lambda::Function')) expect(ids).toContain(fn.Properties.LoggingConfig.LogGroup.Ref);
    const sm = Object.values(t.findResources('AWS::StepFunctions::StateMachine'))[0]!;
    expect(ids).toContain(sm.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0]);
    const apiStage = Object.values(t.findResources('AWS::ApiGateway::Stage'))[0]!;
    expect(ids).toContain(apiStage.Properties.AccessLogSetting.DestinationArn['Fn::GetAtt'][0]);
  });

  it('a stage may set another retention, for all of them at once', () => {
    const t = synth(stage('prod', { logs: { retentionDays: 365 } }));
    const retentions = Object.values(t.findResources('AWS::Logs::LogGroup')).map((g) => g.Properties.RetentionInDays);
    expect(retentions).toEqual(Array(8).fill(365));
  });
});

describe("the state machine's log level", () => {
  it('defaults to ALL with execution data in dev, ERROR without it in prod and any other stage', () => {
    expect(loggingOf(synth())).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(loggingOf(synth(stage('prod')))).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
    expect(loggingOf(synth(stage('staging')))).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
  });

  it('is set per stage; execution data only at ALL', () => {
    expect(loggingOf(synth(stage('prod', { logs: { level: 'ALL' } })))).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(loggingOf(synth(stage('dev', { logs: { level: 'FATAL' } })))).toMatchObject({ Level: 'FATAL', IncludeExecutionData: false });
    expect(loggingOf(synth(stage('dev', { logs: { level: 'OFF' } })))).toMatchObject({ Level: 'OFF', IncludeExecutionData: false });
  });

  it('a bad value fails synth with one line naming its source', () => {
    const cases: [Record<string, unknown>, string][] = [
      [stage('prod', { logs: { level: 'DEBUG' } }), 'context hourglass:stages.prod.logs.level must be one of ALL, ERROR, FATAL, OFF'],
      [stage('prod', { logs: { retentionDays: 10 } }), 'context hourglass:stages.prod.logs.retentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653'],
      [stage('prod', { logs: { leval: 'ALL' } }), 'context hourglass:stages.prod.logs: unknown field "leval" (known: level, retentionDays)'],
      [{ 'hourglass:logs': '"ERROR"' }, 'context hourglass:logs must be {level?, retentionDays?}'],
    ];
    for (const [context, message] of cases) expect(synthError(context), JSON.stringify(context)).toBe(message);
  });
});
