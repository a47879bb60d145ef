// The stage's optional `vpc` setting: where the functions that open targets run, and what the
// stack adds so they connect (endpoints, the database groups' ingress). Validated at synth, one
// line naming the field, like the rest of config.ts.
import { UsageError } from '../functions/engine/errors.js';

export interface VpcConfig {
  vpcId: string;
  /** The functions' ENIs, and the interface endpoints' with endpoints: true (one subnet per AZ). */
  subnetIds: string[];
  /** Omitted: the stack creates one security group (egress only) for the functions. */
  securityGroupIds?: string[];
  /** true: a DynamoDB gateway endpoint on routeTableIds and a Secrets Manager interface endpoint in subnetIds. */
  endpoints: boolean;
  /** The route tables of subnetIds; required with endpoints: true (imported subnets carry none). */
  routeTableIds?: string[];
  /** The databases' groups: each gets ingress from the functions' groups on the targets' ports. */
  databaseSecurityGroupIds?: string[];
  /** Overrides the ports derived from the targets' engines (postgres 5432, clickhouse 8443). */
  databasePorts?: number[];
}

const FIELDS = ['vpcId', 'subnetIds', 'securityGroupIds', 'endpoints', 'routeTableIds', 'databaseSecurityGroupIds', 'databasePorts'];
const HEX_ID = '[0-9a-f]{8,17}';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty list of `<prefix>-<hex>` ids, duplicates dropped. */
function idList(value: unknown, prefix: string, what: string, at: string): string[] {
  const pattern = new RegExp(`^${prefix}-${HEX_ID}$`);
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && pattern.test(v))) {
    throw new UsageError(`${at} must be a non-empty list of ${what} ids (${prefix}-…)`);
  }
  return [...new Set(value as string[])];
}

function portList(value: unknown, at: string): number[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535)) {
    throw new UsageError(`${at} must be a non-empty list of TCP ports (1-65535)`);
  }
  return [...new Set(value as number[])];
}

export function parseVpc(raw: unknown, label: string): VpcConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw new UsageError(`${label} must be {vpcId, subnetIds, securityGroupIds?, endpoints?, routeTableIds?, databaseSecurityGroupIds?, databasePorts?}`);
  for (const key of Object.keys(raw)) if (!FIELDS.includes(key)) throw new UsageError(`${label}: unknown field "${key.slice(0, 40)}" (known: ${FIELDS.join(', ')})`);
  if (typeof raw.vpcId !== 'string' || !new RegExp(`^vpc-${HEX_ID}$`).test(raw.vpcId)) throw new UsageError(`${label}.vpcId must be a VPC id (vpc-…)`);
  if (raw.endpoints !== undefined && typeof raw.endpoints !== 'boolean') throw new UsageError(`${label}.endpoints must be true or false`);
  const vpc: VpcConfig = { vpcId: raw.vpcId, subnetIds: idList(raw.subnetIds, 'subnet', 'subnet', `${label}.subnetIds`), endpoints: raw.endpoints === true };
  if (raw.securityGroupIds !== undefined) vpc.securityGroupIds = idList(raw.securityGroupIds, 'sg', 'security group', `${label}.securityGroupIds`);
  // The gateway endpoint is a route in route tables; subnets imported by id do not say which.
  if (vpc.endpoints && raw.routeTableIds === undefined) throw new UsageError(`${label}.routeTableIds is required with endpoints: true (the route tables of subnetIds, for the DynamoDB gateway endpoint)`);
  if (raw.routeTableIds !== undefined) {
    if (!vpc.endpoints) throw new UsageError(`${label}.routeTableIds is only used with endpoints: true`);
    vpc.routeTableIds = idList(raw.routeTableIds, 'rtb', 'route table', `${label}.routeTableIds`);
  }
  if (raw.databaseSecurityGroupIds !== undefined) vpc.databaseSecurityGroupIds = idList(raw.databaseSecurityGroupIds, 'sg', 'security group', `${label}.databaseSecurityGroupIds`);
  if (raw.databasePorts !== undefined) {
    if (!vpc.databaseSecurityGroupIds) throw new UsageError(`${label}.databasePorts is only used with databaseSecurityGroupIds`);
    vpc.databasePorts = portList(raw.databasePorts, `${label}.databasePorts`);
  }
  return vpc;
}
