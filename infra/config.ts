// Deployment configuration from CDK context (cdk.json, or `-c key=value`): targets, optional
// VPC placement and optional schedules. Validated at synth, so a typo fails `cdk synth` with
// one line instead of a broken deployment. Targets come from here, never from code.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'constructs';
import { UsageError } from '../functions/engine/errors.js';
import { parseRunInput } from '../functions/engine/service/input.js';
import type { RunInput } from '../functions/engine/service/types.js';
import { migrationsFolder, parseTargetsConfig, type TargetsConfig } from '../functions/handlers/target-config.js';

export const CONTEXT_KEYS = { targets: 'hourglass:targets', vpc: 'hourglass:vpc', schedule: 'hourglass:schedule' } as const;

export interface VpcConfig {
  vpcId: string;
  subnetIds: string[];
  /** Omitted: the stack creates one security group (egress only) for the functions. */
  securityGroupIds?: string[];
}

export interface ScheduleConfig {
  name: string;
  /** rate(...) or cron(...) */
  expression: string;
  input: RunInput;
}

export interface HourglassConfig {
  targets: TargetsConfig;
  vpc?: VpcConfig;
  schedules: ScheduleConfig[];
}

/** Context passed with `-c` arrives as a string; cdk.json gives objects. */
function contextValue(node: Node, key: string): unknown {
  const value: unknown = node.tryGetContext(key);
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    if (error instanceof SyntaxError) throw new UsageError(`context ${key} is not valid JSON`);
    throw error;
  }
}

export function readConfig(node: Node, repoRoot: string): HourglassConfig {
  const rawTargets = contextValue(node, CONTEXT_KEYS.targets);
  if (rawTargets === undefined) throw new UsageError(`context ${CONTEXT_KEYS.targets} is not set: add it to cdk.json (see README)`);
  const targets = parseTargetsConfig(rawTargets, `context ${CONTEXT_KEYS.targets}`);
  for (const [name, target] of Object.entries(targets)) {
    const folder = migrationsFolder(target);
    if (!existsSync(join(repoRoot, 'migrations', folder))) throw new UsageError(`target "${name}": migrations/${folder} does not exist`);
  }
  const vpc = parseVpc(contextValue(node, CONTEXT_KEYS.vpc));
  const schedules = parseSchedules(contextValue(node, CONTEXT_KEYS.schedule), targets);
  return { targets, vpc, schedules };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, pattern: RegExp, what: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && pattern.test(v))) throw new UsageError(`context ${CONTEXT_KEYS.vpc}.${what} must be a non-empty list of ids`);
  return value as string[];
}

function parseVpc(raw: unknown): VpcConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw new UsageError(`context ${CONTEXT_KEYS.vpc} must be {vpcId, subnetIds, securityGroupIds?}`);
  if (typeof raw.vpcId !== 'string' || !/^vpc-[0-9a-f]{8,17}$/.test(raw.vpcId)) throw new UsageError(`context ${CONTEXT_KEYS.vpc}.vpcId must be a VPC id (vpc-…)`);
  const vpc: VpcConfig = { vpcId: raw.vpcId, subnetIds: stringList(raw.subnetIds, /^subnet-[0-9a-f]{8,17}$/, 'subnetIds') };
  if (raw.securityGroupIds !== undefined) vpc.securityGroupIds = stringList(raw.securityGroupIds, /^sg-[0-9a-f]{8,17}$/, 'securityGroupIds');
  return vpc;
}

function parseSchedules(raw: unknown, targets: TargetsConfig): ScheduleConfig[] {
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((entry, i) => {
    const at = `context ${CONTEXT_KEYS.schedule}[${i}]`;
    if (!isObject(entry)) throw new UsageError(`${at} must be {expression, input, name?}`);
    const name = entry.name ?? `Schedule${i + 1}`;
    if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(name)) throw new UsageError(`${at}.name must be letters and digits, starting with a letter`);
    if (typeof entry.expression !== 'string' || !/^(rate|cron)\(.+\)$/.test(entry.expression)) throw new UsageError(`${at}.expression must be rate(...) or cron(...)`);
    let input: RunInput;
    try {
      input = parseRunInput(entry.input);
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(`${at}.input: ${error.message}`);
      throw error;
    }
    if (!Object.hasOwn(targets, input.target)) throw new UsageError(`${at}.input.target "${input.target}" is not a configured target`);
    return { name, expression: entry.expression, input };
  });
}
