// cdk-nag (AwsSolutions) over the stack as configured in cdk.json and with every optional
// setting (VPC placement with endpoints and database ingress, a schedule, an exact secret ARN): no error, no warning, and every
// acknowledgement carries a reason. A deliberately bad stack in the same app shows the checks
// really run (a clean result could otherwise mean nag was never attached).
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';

const FULL = {
  'hourglass:targets': {
    analytics: { engine: 'clickhouse', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hourglass/analytics-GhIjKl', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
    obs: { engine: 'postgres', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hourglass/obs-AbCdEf' },
  },
  'hourglass:vpc': {
    vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba987654321f'],
    endpoints: true, routeTableIds: ['rtb-0123456789abcdef0'], databaseSecurityGroupIds: ['sg-0aaaaaaaaaaaaaaa0'],
  },
  'hourglass:schedule': [{ name: 'NightlyVerify', expression: 'cron(0 3 * * ? *)', input: { action: 'verify', target: 'analytics' } }],
};

function findings(context: Record<string, unknown>, addControl = false): { errors: string[]; warnings: string[]; control: string[]; reasons: string[] } {
  const { app, stack } = createHourglassApp({ context: { ...cdkJsonContext(), ...context }, bundle: false });
  const control = addControl ? new Stack(app, 'NagControl') : undefined;
  if (control) new sns.Topic(control, 'PlainTopic');
  const assembly = app.synth();
  const text = (m: { id: string; entry: { data?: unknown } }): string => `${m.id}: ${String(m.entry.data).split('\n')[0]}`;
  const annotations = Annotations.fromStack(stack);
  const reasons = Object.values(assembly.getStackByName(stack.stackName).template.Resources as Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress: { reason: string }[] } } }>)
    .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? [])
    .map((s) => s.reason);
  return {
    errors: annotations.findError('*', Match.anyValue()).map(text),
    warnings: annotations.findWarning('*', Match.anyValue()).map(text),
    control: control ? Annotations.fromStack(control).findError('*', Match.stringLikeRegexp('AwsSolutions-')).map(text) : [],
    reasons,
  };
}

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the stack as configured in cdk.json, and the checks do run', () => {
    const result = findings({}, true);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.control.join('\n')).toMatch(/AwsSolutions-SNS3/);
  });

  it('finds nothing unacknowledged with VPC placement, a schedule and an exact secret ARN', () => {
    const result = findings(FULL);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('gives every acknowledgement a real reason', () => {
    const { reasons } = findings(FULL);
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason.length, reason).toBeGreaterThanOrEqual(60);
  });
});
