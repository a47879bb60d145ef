// Deployment configuration from CDK context (cdk.json, `-c key=value`, or a config file per
// stage, see stage-config.ts): the stage, targets, optional VPC placement, optional schedules,
// the trigger bus's guard and the API's (revert). Validated at synth, so a typo fails `cdk synth` with one line
// instead of a broken deployment. Targets come from here, never from code.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'constructs';
import { UsageError } from '../functions/engine/errors.js';
import { parseRunInput } from '../functions/engine/service/input.js';
import type { RunInput } from '../functions/engine/service/types.js';
import { migrationsFolder, parseTargetsConfig, type TargetsConfig } from '../functions/handlers/target-config.js';
import { checkTargetsForDeploy, exampleAllowed, parseEnv, type StackEnv } from './deploy-guard.js';
import { parseLogs, type LogsConfig } from './logs-config.js';
import { readStageSettings } from './stage-config.js';
import { parseVpc, type VpcConfig } from './vpc-config.js';

export { CONTEXT_KEYS, DEFAULT_STAGE } from './stage-config.js';

export type { VpcConfig } from './vpc-config.js';

export interface ScheduleConfig {
  name: string;
  /** rate(...) or cron(...) */
  expression: string;
  input: RunInput;
}

/** Who may put "Run Requested" events on the stage's bus, and whether such an event may revert. */
export interface EventBusConfig {
  /** Accounts besides the stack's own that may put events on the bus. */
  accounts: string[];
  /** revert from EventBridge: refused (the default) unless true. */
  allowRevert: boolean;
}

/** What the HTTP API may start beyond reads, backfills and repairs. */
export interface ApiConfig {
  /** POST /runs/revert: refused with 403 (the default) unless true. */
  allowRevert: boolean;
}

export interface HourglassConfig {
  stage: string;
  targets: TargetsConfig;
  vpc?: VpcConfig;
  schedules: ScheduleConfig[];
  eventBus: EventBusConfig;
  api: ApiConfig;
  /** Retention of every log group and the state machine's log level (logs-config.ts). */
  logs: LogsConfig;
  /** The account and region the stack is bound to (deploy-guard.ts); absent: environment-agnostic. */
  env?: StackEnv;
}

export function readConfig(node: Node, repoRoot: string): HourglassConfig {
  const settings = readStageSettings(node, repoRoot);
  const rawTargets = settings.get('targets');
  if (rawTargets.value === undefined) throw new UsageError(`${rawTargets.label} is not set: give the stage its targets in a config file (-c hourglass:configFile=…, see infra/README.md)`);
  const targets = parseTargetsConfig(rawTargets.value, rawTargets.label);
  for (const [name, target] of Object.entries(targets)) {
    const folder = migrationsFolder(target);
    if (!existsSync(join(repoRoot, 'migrations', folder))) throw new UsageError(`target "${name}": migrations/${folder} does not exist`);
  }
  const vpc = settings.get('vpc');
  const schedule = settings.get('schedule');
  const eventBusSetting = settings.get('eventBus');
  const eventBus = parseEventBus(eventBusSetting.value, eventBusSetting.label);
  const schedules = parseSchedules(schedule.value, schedule.label, targets);
  // A schedule is an EventBridge trigger too: revert on a timer only where reverts from EventBridge are allowed.
  const revert = schedules.find((s) => s.input.action === 'revert');
  if (revert && !eventBus.allowRevert) throw new UsageError(`${schedule.label}: schedule ${revert.name} reverts, which EventBridge may not unless ${eventBusSetting.label}.allowRevert is true`);
  const api = settings.get('api');
  const logs = settings.get('logs');
  const envSetting = settings.get('env');
  const env = parseEnv(envSetting);
  const config: HourglassConfig = { stage: settings.stage, targets, vpc: parseVpc(vpc.value, vpc.label), schedules, eventBus, api: parseApi(api.value, api.label), logs: parseLogs(logs.value, logs.label, settings.stage) };
  // Last, so a malformed setting is reported as such first.
  checkTargetsForDeploy(targets, rawTargets.label, { allowExample: exampleAllowed(node), env, envLabel: envSetting.label });
  if (env) config.env = env;
  return config;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseSchedules(raw: unknown, label: string, targets: TargetsConfig): ScheduleConfig[] {
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((entry, i) => {
    const at = `${label}[${i}]`;
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

const ACCOUNT = /^\d{12}$/;

function parseEventBus(raw: unknown, label: string): EventBusConfig {
  if (raw === undefined || raw === null) return { accounts: [], allowRevert: false };
  if (!isObject(raw)) throw new UsageError(`${label} must be {accounts?, allowRevert?}`);
  for (const key of Object.keys(raw)) if (key !== 'accounts' && key !== 'allowRevert') throw new UsageError(`${label}: unknown field "${key.slice(0, 40)}" (known: accounts, allowRevert)`);
  const accounts = raw.accounts ?? [];
  if (!Array.isArray(accounts) || !accounts.every((a) => typeof a === 'string' && ACCOUNT.test(a))) throw new UsageError(`${label}.accounts must be a list of 12-digit AWS account ids`);
  if (raw.allowRevert !== undefined && typeof raw.allowRevert !== 'boolean') throw new UsageError(`${label}.allowRevert must be true or false`);
  return { accounts: [...new Set(accounts as string[])], allowRevert: raw.allowRevert === true };
}

function parseApi(raw: unknown, label: string): ApiConfig {
  if (raw === undefined || raw === null) return { allowRevert: false };
  if (!isObject(raw)) throw new UsageError(`${label} must be {allowRevert?}`);
  for (const key of Object.keys(raw)) if (key !== 'allowRevert') throw new UsageError(`${label}: unknown field "${key.slice(0, 40)}" (known: allowRevert)`);
  if (raw.allowRevert !== undefined && typeof raw.allowRevert !== 'boolean') throw new UsageError(`${label}.allowRevert must be true or false`);
  return { allowRevert: raw.allowRevert === true };
}
