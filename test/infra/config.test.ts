// Deployment configuration from CDK context: validated at synth with one clear line, and the
// optional parts (schedule, VPC) show up in the template only when configured.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../functions/engine/errors.js';
import { cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';
import { resources } from './template-helpers.js';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hourglass/analytics-AbCdEf';
const TARGETS = { analytics: { engine: 'clickhouse', secretArn: SECRET_ARN } };

function synthError(context: Record<string, unknown>): string {
  try {
    createHourglassApp({ context, bundle: false });
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('configuration errors fail synth with one line', () => {
  it.each([
    [{}, 'context hourglass:targets is not set: give the stage its targets in a config file (-c hourglass:configFile=…, see infra/README.md)'],
    [{ 'hourglass:targets': {} }, 'context hourglass:targets defines no target'],
    [{ 'hourglass:targets': { 'bad name': TARGETS.analytics } }, 'context hourglass:targets.bad name: target names are letters, digits, _ and - (at most 64)'],
    [{ 'hourglass:targets': { a: { engine: 'mysql', secretArn: SECRET_ARN } } }, 'context hourglass:targets.a.engine must be one of clickhouse, postgres'],
    [{ 'hourglass:targets': { a: { engine: 'postgres', url: 'postgres://u:pw@h/db' } } }, 'context hourglass:targets.a.url: connection URLs belong in Secrets Manager (secretArn), never in configuration'],
    [{ 'hourglass:targets': { a: { engine: 'postgres' } } }, 'context hourglass:targets.a.secretArn must be a full secret ARN, arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 chars> (a name or partial ARN is not enough)'],
    [{ 'hourglass:targets': { a: { engine: 'postgres', secretName: 'hourglass/analytics' } } }, "context hourglass:targets.a.secretName: give the secret's full ARN as secretArn (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>)"],
    [{ 'hourglass:targets': { a: { engine: 'postgres', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hourglass/analytics' } } }, 'context hourglass:targets.a.secretArn must be a full secret ARN, arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 chars> (a name or partial ARN is not enough)'],
    [{ 'hourglass:targets': { a: { engine: 'postgres', secretArn: 'hourglass/analytics-AbCdEf' } } }, 'context hourglass:targets.a.secretArn must be a full secret ARN, arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 chars> (a name or partial ARN is not enough)'],
    [{ 'hourglass:targets': { a: { engine: 'postgres', secretArn: 'arn:aws:s3:::bucket' } } }, 'context hourglass:targets.a.secretArn must be a full secret ARN, arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 chars> (a name or partial ARN is not enough)'],
    [{ 'hourglass:targets': { a: { engine: 'postgres', secretArn: SECRET_ARN, kmsKeyArn: 'alias/aws/secretsmanager' } } }, 'context hourglass:targets.a.kmsKeyArn must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (not an alias)'],
    [{ 'hourglass:targets': { a: { engine: 'postgres', secretArn: SECRET_ARN, migrations: '../etc' } } }, 'context hourglass:targets.a.migrations must be a folder name under migrations/ (letters, digits, _ and -)'],
    [{ 'hourglass:targets': { a: { engine: 'postgres', secretArn: SECRET_ARN, migrations: 'nowhere' } } }, 'target "a": migrations/nowhere does not exist'],
    [{ 'hourglass:targets': '{"a": ' }, 'context hourglass:targets is not valid JSON'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': { vpcId: 'vpc-1', subnetIds: [] } }, 'context hourglass:vpc.vpcId must be a VPC id (vpc-…)'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': { vpcId: 'vpc-0123456789abcdef0', subnetIds: [] } }, 'context hourglass:vpc.subnetIds must be a non-empty list of subnet ids (subnet-…)'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': ['vpc-0123456789abcdef0'] }, 'context hourglass:vpc must be {vpcId, subnetIds, securityGroupIds?, endpoints?, routeTableIds?, databaseSecurityGroupIds?, databasePorts?}'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': { ...{ vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] }, subnets: ['subnet-0123456789abcdef0'] } }, 'context hourglass:vpc: unknown field "subnets" (known: vpcId, subnetIds, securityGroupIds, endpoints, routeTableIds, databaseSecurityGroupIds, databasePorts)'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': { ...{ vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] }, securityGroupIds: ['sg-xyz'] } }, 'context hourglass:vpc.securityGroupIds must be a non-empty list of security group ids (sg-…)'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': { ...{ vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] }, endpoints: 'yes' } }, 'context hourglass:vpc.endpoints must be true or false'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': { ...{ vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] }, endpoints: true } }, 'context hourglass:vpc.routeTableIds is required with endpoints: true (the route tables of subnetIds, for the DynamoDB gateway endpoint)'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': { ...{ vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] }, endpoints: true, routeTableIds: ['subnet-0123456789abcdef0'] } }, 'context hourglass:vpc.routeTableIds must be a non-empty list of route table ids (rtb-…)'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': { ...{ vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] }, routeTableIds: ['rtb-0123456789abcdef0'] } }, 'context hourglass:vpc.routeTableIds is only used with endpoints: true'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': { ...{ vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] }, databaseSecurityGroupIds: 'sg-0123456789abcdef0' } }, 'context hourglass:vpc.databaseSecurityGroupIds must be a non-empty list of security group ids (sg-…)'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': { ...{ vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] }, databasePorts: [5432] } }, 'context hourglass:vpc.databasePorts is only used with databaseSecurityGroupIds'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': { ...{ vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] }, databaseSecurityGroupIds: ['sg-0123456789abcdef0'], databasePorts: [0] } }, 'context hourglass:vpc.databasePorts must be a non-empty list of TCP ports (1-65535)'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:vpc': { ...{ vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] }, databaseSecurityGroupIds: ['sg-0123456789abcdef0'], databasePorts: ['5432'] } }, 'context hourglass:vpc.databasePorts must be a non-empty list of TCP ports (1-65535)'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:schedule': { expression: 'every hour', input: { action: 'verify', target: 'analytics' } } }, 'context hourglass:schedule[0].expression must be rate(...) or cron(...)'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:schedule': { expression: 'rate(1 hour)', input: { action: 'backfill', target: 'analytics' } } }, 'context hourglass:schedule[0].input: "version" is required for backfill'],
    [{ 'hourglass:targets': TARGETS, 'hourglass:schedule': { expression: 'rate(1 hour)', input: { action: 'verify', target: 'billing' } } }, 'context hourglass:schedule[0].input.target "billing" is not a configured target'],
  ])('%j', (context, message) => {
    expect(synthError(context)).toBe(message);
  });
});

describe('optional configuration in the template', () => {
  it('accepts context passed as JSON strings (cdk -c key=value) and adds the schedule and the VPC placement', () => {
    const { app, stack } = createHourglassApp({
      context: {
        ...cdkJsonContext(),
        'hourglass:targets': JSON.stringify(TARGETS),
        'hourglass:vpc': JSON.stringify({ vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] }),
        'hourglass:schedule': JSON.stringify({ name: 'Nightly', expression: 'cron(0 3 * * ? *)', input: { action: 'verify', target: 'analytics' } }),
      },
      bundle: false,
    });
    app.synth();
    const template = Template.fromStack(stack);
    const all = resources(template);
    const sm = Object.keys(all).find((id) => all[id]!.Type === 'AWS::StepFunctions::StateMachine');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Targets: [Match.objectLike({ Arn: { Ref: sm }, Input: JSON.stringify({ action: 'verify', target: 'analytics' }) })],
    });
    // The four functions that open targets are placed (test/infra/vpc.test.ts has the rest of the VPC's shape).
    const placed = Object.values(all).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.VpcConfig);
    expect(placed).toHaveLength(4);
    for (const fn of placed) expect(fn.Properties.VpcConfig).toEqual({ SubnetIds: ['subnet-0123456789abcdef0'], SecurityGroupIds: ['sg-0123456789abcdef0'] });
    // ENI management for the VPC: the AWS managed policy on each placed function's role, nothing broader.
    const managed = Object.values(all).filter((r) => r.Type === 'AWS::IAM::Role' && r.Properties.ManagedPolicyArns);
    expect(managed).toHaveLength(4);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
  });
});
