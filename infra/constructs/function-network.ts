// The VPC placement of the functions that open targets (apply, plan, window, verify; api and
// finalize never do and stay out): the imported VPC and subnets, the functions' security
// group (created egress-only unless given), and with the vpc setting's options the endpoints
// those functions call and an ingress rule on each database group. What the in-VPC functions
// call besides their targets: DynamoDB (the state table) and Secrets Manager (the targets'
// secrets). Their logs and EMF metrics leave through Lambda's own log path and X-Ray segments
// through the Lambda service, so neither needs an endpoint; Step Functions is called by the
// API only, which runs outside the VPC.
import { Annotations, Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { TargetsConfig } from '../../functions/handlers/target-config.js';
import type { VpcConfig } from '../vpc-config.js';
import type { VpcPlacement } from './hourglass-function.js';

/** The port a target's engine listens on by default: PostgreSQL, and ClickHouse's HTTPS interface (clickhouses://, the secret shape's default). */
const DEFAULT_PORT = { postgres: 5432, clickhouse: 8443 } as const;

/** The database ports the functions connect to: the vpc setting's databasePorts, else each target engine's default. */
export function databasePorts(config: VpcConfig, targets: TargetsConfig): number[] {
  return config.databasePorts ?? [...new Set(Object.values(targets).map((t) => DEFAULT_PORT[t.engine]))].sort((a, b) => a - b);
}

export interface FunctionNetworkProps {
  config: VpcConfig;
  targets: TargetsConfig;
}

export class FunctionNetwork extends Construct {
  readonly placement: VpcPlacement;
  /** Only with endpoints: true. */
  readonly endpointSecurityGroup?: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: FunctionNetworkProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    // Subnets are selected by id below; the AZ list is only a required attribute, resolved at deploy.
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: config.vpcId, availabilityZones: Fn.getAzs() });
    Annotations.of(vpc).acknowledgeWarning('@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones', 'Functions are placed by explicit subnet ids; nothing selects subnets by AZ at synth');
    const subnets = config.subnetIds.map((subnetId) => {
      const subnet = ec2.Subnet.fromSubnetId(this, `Subnet-${subnetId}`, subnetId);
      Annotations.of(subnet).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'Lambda placement needs only the subnet id; the gateway endpoint takes routeTableIds');
      return subnet;
    });
    const securityGroups: ec2.ISecurityGroup[] = config.securityGroupIds
      ? config.securityGroupIds.map((sgId) => ec2.SecurityGroup.fromSecurityGroupId(this, `Sg-${sgId}`, sgId))
      // In the stack's scope, so the group keeps the logical id it had before this construct: an existing stage's group is not replaced.
      : [new ec2.SecurityGroup(stack, 'FunctionsSecurityGroup', { vpc, description: 'Hourglass functions: egress to targets and AWS APIs, no ingress', allowAllOutbound: true })];
    this.placement = { vpc, subnets, securityGroups };

    if (config.endpoints) this.endpointSecurityGroup = this.endpoints(vpc, config, securityGroups);

    for (const groupId of config.databaseSecurityGroupIds ?? []) {
      const database = ec2.SecurityGroup.fromSecurityGroupId(this, `Database-${groupId}`, groupId);
      for (const port of databasePorts(config, props.targets)) {
        for (const source of securityGroups) database.addIngressRule(source, ec2.Port.tcp(port), `${stack.stackName} functions to the database, tcp ${port}`);
      }
    }
  }

  /** DynamoDB's gateway on the given route tables; Secrets Manager's interface in the subnets, reachable on 443 from the functions only. */
  private endpoints(vpc: ec2.IVpc, config: VpcConfig, functionGroups: ec2.ISecurityGroup[]): ec2.SecurityGroup {
    // L1 on purpose: the L2 endpoints select subnets by AZ and route tables from subnets, neither of which imported ids carry.
    new ec2.CfnVPCEndpoint(this, 'DynamoDbEndpoint', {
      vpcId: config.vpcId,
      vpcEndpointType: 'Gateway',
      serviceName: ec2.GatewayVpcEndpointAwsService.DYNAMODB.name,
      routeTableIds: config.routeTableIds!,
    });
    const group = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', { vpc, description: 'Hourglass interface endpoints: HTTPS from the functions only', allowAllOutbound: false });
    for (const source of functionGroups) group.addIngressRule(source, ec2.Port.tcp(443), 'HTTPS from the Hourglass functions');
    new ec2.CfnVPCEndpoint(this, 'SecretsManagerEndpoint', {
      vpcId: config.vpcId,
      vpcEndpointType: 'Interface',
      serviceName: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER.name,
      subnetIds: config.subnetIds,
      securityGroupIds: [group.securityGroupId],
      // The SDK's default endpoint (secretsmanager.<region>.amazonaws.com) resolves to the endpoint inside the VPC.
      privateDnsEnabled: true,
    });
    return group;
  }
}
