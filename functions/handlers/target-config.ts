// The deployment's target configuration: which databases exist, their engine, where their
// connection URL lives in Secrets Manager, and which migrations folder they use. It comes from
// cdk.json context at synth and reaches the functions as the HOURGLASS_TARGETS environment
// variable, so the same validation runs on both sides. It never holds a URL or a password.
import { UsageError } from '../engine/errors.js';
import { TARGET_NAME } from '../engine/service/input.js';
import type { Engine } from '../engine/target-url.js';

export interface TargetConfig {
  engine: Engine;
  /** Secret name (CDK resolves the ARN with its random suffix as a wildcard). */
  secretName?: string;
  /** Full secret ARN: exact, preferred when known. */
  secretArn?: string;
  /** Folder under migrations/; defaults to the engine name. */
  migrations?: string;
}

export type TargetsConfig = Record<string, TargetConfig>;

const ENGINES: Engine[] = ['clickhouse', 'postgres'];
const KEYS = new Set(['engine', 'secretName', 'secretArn', 'migrations']);
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const FOLDER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Validates a targets map; `where` names its source in error messages (e.g. "cdk.json context hourglass:targets"). */
export function parseTargetsConfig(raw: unknown, where: string): TargetsConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`${where} must be an object of target name → {engine, secretName | secretArn}`);
  const names = Object.keys(raw);
  if (names.length === 0) throw new UsageError(`${where} defines no target`);
  const targets: TargetsConfig = {};
  for (const name of names) {
    const at = `${where}.${name.slice(0, 64)}`;
    if (!TARGET_NAME.test(name)) throw new UsageError(`${at}: target names are letters, digits, _ and - (at most 64)`);
    targets[name] = parseTarget((raw as Record<string, unknown>)[name], at);
  }
  return targets;
}

function parseTarget(raw: unknown, at: string): TargetConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`${at} must be an object`);
  const obj = raw as Record<string, unknown>;
  if ('url' in obj) throw new UsageError(`${at}.url: connection URLs belong in Secrets Manager (secretName), never in configuration`);
  for (const key of Object.keys(obj)) if (!KEYS.has(key)) throw new UsageError(`${at}: unknown field "${key.slice(0, 40)}" (known: ${[...KEYS].join(', ')})`);
  if (typeof obj.engine !== 'string' || !ENGINES.includes(obj.engine as Engine)) throw new UsageError(`${at}.engine must be one of ${ENGINES.join(', ')}`);
  const target: TargetConfig = { engine: obj.engine as Engine };
  if ((obj.secretName === undefined) === (obj.secretArn === undefined)) throw new UsageError(`${at}: set exactly one of secretName or secretArn`);
  if (obj.secretName !== undefined) {
    if (typeof obj.secretName !== 'string' || !SECRET_NAME.test(obj.secretName)) throw new UsageError(`${at}.secretName is not a valid Secrets Manager name`);
    target.secretName = obj.secretName;
  }
  if (obj.secretArn !== undefined) {
    if (typeof obj.secretArn !== 'string' || !SECRET_ARN.test(obj.secretArn)) throw new UsageError(`${at}.secretArn is not a Secrets Manager secret ARN`);
    target.secretArn = obj.secretArn;
  }
  if (obj.migrations !== undefined) {
    if (typeof obj.migrations !== 'string' || !FOLDER.test(obj.migrations)) throw new UsageError(`${at}.migrations must be a folder name under migrations/ (letters, digits, _ and -)`);
    target.migrations = obj.migrations;
  }
  return target;
}

/** The folder under migrations/ a target uses. */
export function migrationsFolder(target: TargetConfig): string {
  return target.migrations ?? target.engine;
}
