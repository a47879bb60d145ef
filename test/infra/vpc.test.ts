// VPC placement in the template: only the functions that open a target (apply, plan, window,
// verify) are placed in the VPC; the functions' security group is an output; vpc.endpoints adds
// the DynamoDB gateway and the Secrets Manager interface endpoint (what those functions call);
// vpc.databaseSecurityGroupIds gets ingress from the functions on the targets' ports.
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';
import { resources, type Resources } from './template-helpers.js';

const CLICKHOUSE = { engine: 'clickhouse', secretArn: 'arn:aws:secretsmanager:eu-west-1:210987654321:secret:hourglass/analytics-GhIjKl' };
const POSTGRES = { engine: 'postgres', secretArn: 'arn:aws:secretsmanager:eu-west-1:210987654321:secret:hourglass/obs-AbCdEf' };
const VPC_ID = 'vpc-0123456789abcdef0';
const SUBNETS = ['subnet-0123456789abcdef0', 'subnet-0fedcba987654321f'];
const ROUTE_TABLES = ['rtb-0123456789abcdef0', 'rtb-0fedcba987654321f'];
const DB_GROUPS = ['sg-0aaaaaaaaaaaaaaa0', 'sg-0bbbbbbbbbbbbbbb0'];
const IN_VPC = ['Apply', 'Plan', 'Window', 'Verify'];
const OUTSIDE = ['Finalize', 'Api'];

function synth(vpc: Record<string, unknown> | undefined, targets: Record<string, unknown> = { analytics: CLICKHOUSE, obs: POSTGRES }): { template: Template; all: Resources } {
  const { app, stack } = createHourglassApp({
    context: { ...cdkJsonContext(), 'hourglass:targets': targets, ...(vpc ? { 'hourglass:vpc': vpc } : {}) },
    bundle: false,
  });
  app.synth();
  const template = Template.fromStack(stack);
  return { template, all: resources(template) };
}

function ofType(all: Resources, type: string): Resources {
  return Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type === type));
}

function functionProps(all: Resources, name: string): Record<string, any> {
  const ids = Object.keys(ofType(all, 'AWS::Lambda::Function')).filter((id) => id.startsWith(`${name}Function`));
  expect(ids, name).toHaveLength(1);
  return all[ids[0]!]!.Properties;
}

/** The logical id of the one security group the stack creates for the functions. */
function functionsGroupId(all: Resources): string {
  const ids = Object.keys(ofType(all, 'AWS::EC2::SecurityGroup')).filter((id) => id.startsWith('FunctionsSecurityGroup'));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

function ingressRules(all: Resources): Record<string, any>[] {
  return Object.values(ofType(all, 'AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
}

describe('placement', () => {
  it('puts exactly the functions that open a target in the VPC, in the created group; api and finalize stay out', () => {
    const { all } = synth({ vpcId: VPC_ID, subnetIds: SUBNETS });
    const group = { 'Fn::GetAtt': [functionsGroupId(all), 'GroupId'] };
    for (const name of IN_VPC) expect(functionProps(all, name).VpcConfig, name).toEqual({ SubnetIds: SUBNETS, SecurityGroupIds: [group] });
    for (const name of OUTSIDE) expect(functionProps(all, name).VpcConfig, name).toBeUndefined();
    // ENI management only where there are ENIs: the four in-VPC roles.
    const vpcRoles = Object.keys(ofType(all, 'AWS::IAM::Role')).filter((id) => JSON.stringify(all[id]!.Properties.ManagedPolicyArns ?? []).includes('AWSLambdaVPCAccessExecutionRole'));
    expect(vpcRoles.map((id) => id.replace(/FunctionRole.*$/, '')).sort()).toEqual([...IN_VPC].sort());
    // Without the options: no endpoints and no ingress anywhere.
    expect(Object.keys(ofType(all, 'AWS::EC2::VPCEndpoint'))).toEqual([]);
    expect(ingressRules(all)).toEqual([]);
  });

  it('outputs the created group id, and the given ids when securityGroupIds is set (then creates none)', () => {
    const created = synth({ vpcId: VPC_ID, subnetIds: SUBNETS });
    created.template.hasOutput('FunctionsSecurityGroupIds', {
      Value: { 'Fn::GetAtt': [functionsGroupId(created.all), 'GroupId'] },
      Export: { Name: 'Hourglass-dev-FunctionsSecurityGroupIds' },
    });
    const given = synth({ vpcId: VPC_ID, subnetIds: SUBNETS, securityGroupIds: ['sg-0123456789abcdef0', 'sg-0fedcba987654321f'] });
    given.template.hasOutput('FunctionsSecurityGroupIds', { Value: 'sg-0123456789abcdef0,sg-0fedcba987654321f' });
    given.template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    for (const name of IN_VPC) expect(functionProps(given.all, name).VpcConfig.SecurityGroupIds, name).toEqual(['sg-0123456789abcdef0', 'sg-0fedcba987654321f']);
  });

  it('adds no network resources and no output without a vpc setting', () => {
    const { template, all } = synth(undefined);
    expect(Object.values(all).filter((r) => r.Type.startsWith('AWS::EC2::'))).toEqual([]);
    expect(Object.keys(template.findOutputs('FunctionsSecurityGroupIds'))).toEqual([]);
    for (const name of [...IN_VPC, ...OUTSIDE]) expect(functionProps(all, name).VpcConfig, name).toBeUndefined();
  });
});

describe('vpc.endpoints', () => {
  it('creates the DynamoDB gateway on the route tables and the Secrets Manager interface in the subnets, and nothing else', () => {
    const { template, all } = synth({ vpcId: VPC_ID, subnetIds: SUBNETS, endpoints: true, routeTableIds: ROUTE_TABLES });
    const endpoints = Object.values(ofType(all, 'AWS::EC2::VPCEndpoint')).map((r) => r.Properties);
    expect(endpoints).toHaveLength(2);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: VPC_ID,
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.dynamodb']] },
      RouteTableIds: ROUTE_TABLES,
    });
    const endpointGroup = Object.keys(ofType(all, 'AWS::EC2::SecurityGroup')).find((id) => id.startsWith('NetworkEndpointSecurityGroup'));
    expect(endpointGroup).toBeDefined();
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: VPC_ID,
      VpcEndpointType: 'Interface',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.secretsmanager']] },
      SubnetIds: SUBNETS,
      PrivateDnsEnabled: true,
      SecurityGroupIds: [{ 'Fn::GetAtt': [endpointGroup, 'GroupId'] }],
    });
    // The endpoint's group: HTTPS in from the functions' group only (no CIDR), and no open egress.
    expect(ingressRules(all)).toEqual([expect.objectContaining({
      GroupId: { 'Fn::GetAtt': [endpointGroup, 'GroupId'] },
      IpProtocol: 'tcp', FromPort: 443, ToPort: 443,
      SourceSecurityGroupId: { 'Fn::GetAtt': [functionsGroupId(all), 'GroupId'] },
    })]);
    expect(JSON.stringify(all[endpointGroup!]!.Properties)).not.toContain('0.0.0.0/0');
  });

  it('lets each given functions group reach the interface endpoint', () => {
    const given = ['sg-0123456789abcdef0', 'sg-0fedcba987654321f'];
    const { all } = synth({ vpcId: VPC_ID, subnetIds: SUBNETS, securityGroupIds: given, endpoints: true, routeTableIds: ROUTE_TABLES });
    expect(ingressRules(all).map((r) => [r.FromPort, r.SourceSecurityGroupId]).sort()).toEqual(given.map((sg) => [443, sg]));
  });
});

describe('vpc.databaseSecurityGroupIds', () => {
  const rulesOf = (all: Resources): unknown[] => ingressRules(all).map((r) => [r.GroupId, r.IpProtocol, r.FromPort, r.ToPort, r.SourceSecurityGroupId]).sort();

  it("opens each database group to the functions' group on the targets' ports (PostgreSQL 5432, ClickHouse HTTPS 8443)", () => {
    const { all } = synth({ vpcId: VPC_ID, subnetIds: SUBNETS, databaseSecurityGroupIds: DB_GROUPS });
    const source = { 'Fn::GetAtt': [functionsGroupId(all), 'GroupId'] };
    expect(rulesOf(all)).toEqual(DB_GROUPS.flatMap((sg) => [[sg, 'tcp', 5432, 5432, source], [sg, 'tcp', 8443, 8443, source]]).sort());
  });

  it('opens only the port of the engines configured', () => {
    const { all } = synth({ vpcId: VPC_ID, subnetIds: SUBNETS, databaseSecurityGroupIds: [DB_GROUPS[0]] }, { obs: POSTGRES });
    expect(rulesOf(all)).toEqual([[DB_GROUPS[0], 'tcp', 5432, 5432, { 'Fn::GetAtt': [functionsGroupId(all), 'GroupId'] }]]);
  });

  it('takes databasePorts instead when the secret names another port (plain-HTTP ClickHouse on 8123), from each given group', () => {
    const { all } = synth({ vpcId: VPC_ID, subnetIds: SUBNETS, securityGroupIds: ['sg-0123456789abcdef0'], databaseSecurityGroupIds: [DB_GROUPS[0]], databasePorts: [8123] }, { analytics: CLICKHOUSE });
    expect(rulesOf(all)).toEqual([[DB_GROUPS[0], 'tcp', 8123, 8123, 'sg-0123456789abcdef0']]);
  });
});
