// A run refused at Plan (RunRefused: the run lease is held by another run, or the run id is
// taken, as with a duplicate event) ends FAILED under the refusal's error name and must not
// page; every other failed, timed-out or aborted execution pages. The paging rule's pattern is
// checked as synthesized, then evaluated against status-change events of both kinds. No
// EventBridge pattern matcher is installed (TestEventPattern needs AWS), so `matches` below
// implements the operators this pattern uses and throws on any other, rather than guess.
// The refused runs stay visible: the dashboard lists them from the state machine's log.
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { REFUSED_ERRORS } from '../../functions/handlers/error-names.js';
import { cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';
import { flatten, resources, type Resources } from './template-helpers.js';

let template: Template;
let all: Resources;
beforeAll(() => {
  const { stack } = createHourglassApp({ context: cdkJsonContext(), bundle: false });
  template = Template.fromStack(stack);
  all = resources(template);
});
const idOf = (type: string): string => Object.keys(all).find((id) => all[id]!.Type === type)!;

/** EventBridge matching for exact strings, null, exists and anything-but (of strings); arrays OR their matchers. */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const present = Object.hasOwn(event, key);
    const value = event[key];
    if (!Array.isArray(rule)) return present && typeof value === 'object' && value !== null && matches(rule as Record<string, unknown>, value as Record<string, unknown>);
    return rule.some((m: unknown) => {
      if (m === null) return present && value === null;
      if (typeof m === 'string') return value === m;
      const op = m as Record<string, unknown>;
      const [name] = Object.keys(op);
      if (name === 'exists' && Object.keys(op).length === 1) return present === op.exists;
      if (name === 'anything-but' && Array.isArray(op[name])) return typeof value === 'string' && !(op[name] as unknown[]).includes(value);
      throw new Error(`operator not implemented here: ${JSON.stringify(m)}`);
    });
  });
}

const SM_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Runs';
function statusChange(detail: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0', id: 'e1', 'detail-type': 'Step Functions Execution Status Change', source: 'aws.states', account: '123456789012', region: 'eu-west-1', time: '2026-12-07T16:00:00Z', resources: [`${SM_ARN.replace(':stateMachine:', ':execution:')}:run-1`],
    detail: { executionArn: `${SM_ARN.replace(':stateMachine:', ':execution:')}:run-1`, stateMachineArn: SM_ARN, name: 'run-1', startDate: 1, stopDate: 2, input: '{}', ...detail },
  };
}

describe('the paging rule', () => {
  let pattern: Record<string, unknown>;
  beforeAll(() => {
    const rules = Object.values(all).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern.source?.includes('aws.states'));
    expect(rules).toHaveLength(1);
    // The state machine's Ref, as the deployed rule will hold its ARN.
    pattern = JSON.parse(JSON.stringify(rules[0]!.Properties.EventPattern).replace(JSON.stringify({ Ref: idOf('AWS::StepFunctions::StateMachine') }), JSON.stringify(SM_ARN)));
  });

  it('is, exactly: failed, timed-out and aborted executions of this state machine, except under a refusal name', () => {
    const rule = Object.values(all).find((r) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern.source?.includes('aws.states'))!.Properties;
    // toEqual, not hasResourceProperties: the assertions library cannot match a null array element.
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: idOf('AWS::StepFunctions::StateMachine') }], error: [null, { exists: false }, { 'anything-but': ['RunLeaseHeldError', 'RunConflictError'] }] },
    });
    expect(rule).toMatchObject({
      Targets: [expect.objectContaining({ Arn: { Ref: Object.keys(all).find((id) => id.startsWith('AlertsTopic') && !id.startsWith('AlertsTopicKey') && all[id]!.Type === 'AWS::SNS::Topic') } })],
    });
    // The refusal names are the ones the state machine ends RunRefused under.
    expect(REFUSED_ERRORS).toEqual(['RunLeaseHeldError', 'RunConflictError']);
    const definition = JSON.parse(flatten(Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0]!.Properties.DefinitionString));
    expect(definition.States.Plan.Catch[0]).toMatchObject({ ErrorEquals: [...REFUSED_ERRORS], Next: 'RunRefused' });
    expect(definition.States.RunRefused).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('does not page for a run refused by the run lease, or for a run id that is taken', () => {
    expect(matches(pattern, statusChange({ status: 'FAILED', error: 'RunLeaseHeldError', cause: 'a backfill of migration 2 on target analytics is already running as run r0 (lease until 2026-12-07T17:00:00Z): …' }))).toBe(false);
    expect(matches(pattern, statusChange({ status: 'FAILED', error: 'RunConflictError', cause: 'run same-id already exists with other parameters …' }))).toBe(false);
  });

  it('pages for a real failure: a failed, partial, timed-out or aborted run, and a failure with no error', () => {
    for (const detail of [
      { status: 'FAILED', error: 'RunFailed', cause: 'The run failed: see the Finalize output and the run record' },
      { status: 'FAILED', error: 'RunPartiallyFailed', cause: 'Some windows failed' },
      { status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', cause: 'The specified tolerated failure threshold was exceeded' },
      { status: 'TIMED_OUT', error: 'States.Timeout', cause: null },
      { status: 'ABORTED', error: null, cause: null },
      { status: 'FAILED' },
    ]) expect(matches(pattern, statusChange(detail)), JSON.stringify(detail)).toBe(true);
  });

  it('ignores what is not a failure, and other state machines', () => {
    expect(matches(pattern, statusChange({ status: 'SUCCEEDED', error: null }))).toBe(false);
    expect(matches(pattern, statusChange({ status: 'RUNNING' }))).toBe(false);
    const other = statusChange({ status: 'FAILED', error: 'RunFailed' });
    (other.detail as Record<string, unknown>).stateMachineArn = `${SM_ARN}-other`;
    expect(matches(pattern, other)).toBe(false);
  });
});

describe('refused runs stay visible', () => {
  it("the dashboard lists them from the state machine's ExecutionFailed log lines", () => {
    const body = JSON.parse(flatten(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody)) as { widgets: { properties: Record<string, any> }[] };
    const widget = body.widgets.find((w) => String(w.properties.title).startsWith('Refused runs'));
    expect(widget).toBeDefined();
    const smLogs = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0]!.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(widget!.properties.query).toContain(`SOURCE '<Ref:${smLogs}>'`);
    expect(widget!.properties.query).toContain('filter type = "ExecutionFailed" and details.error in ["RunLeaseHeldError", "RunConflictError"]');
  });
});
