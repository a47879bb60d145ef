// The deployment's target configuration: which databases exist, their engine, the full ARN
// of the secret holding their connection (and the customer KMS key encrypting it, if any),
// and which migrations folder they use. It comes from
// cdk.json context at synth and reaches the functions as the HOURGLASS_TARGETS environment
// variable, so the same validation runs on both sides. It never holds a URL or a password.
import { UsageError } from '../engine/errors.js';
import { TARGET_NAME } from '../engine/service/input.js';
import type { Engine } from '../engine/target-url.js';

export interface TargetConfig {
  engine: Engine;
  /** Full secret ARN, with the 6-character suffix Secrets Manager adds: exact in IAM and in GetSecretValue. */
  secretArn: string;
  /** The customer managed KMS key the secret is encrypted with; absent: the AWS managed key. */
  kmsKeyArn?: string;
  /** Folder under migrations/; defaults to the engine name. */
  migrations?: string;
}

export type TargetsConfig = Record<string, TargetConfig>;

const ENGINES: Engine[] = ['clickhouse', 'postgres'];
const KEYS = new Set(['engine', 'secretArn', 'kmsKeyArn', 'migrations']);
// arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 chars>
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:key\/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const FOLDER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Validates a targets map; `where` names its source in error messages (e.g. "cdk.json context hourglass:targets"). */
export function parseTargetsConfig(raw: unknown, where: string): TargetsConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`${where} must be an object of target name → {engine, secretArn, kmsKeyArn?, migrations?}`);
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
  if ('url' in obj) throw new UsageError(`${at}.url: connection URLs belong in Secrets Manager (secretArn), never in configuration`);
  if ('secretName' in obj) throw new UsageError(`${at}.secretName: give the secret's full ARN as secretArn (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>)`);
  for (const key of Object.keys(obj)) if (!KEYS.has(key)) throw new UsageError(`${at}: unknown field "${key.slice(0, 40)}" (known: ${[...KEYS].join(', ')})`);
  if (typeof obj.engine !== 'string' || !ENGINES.includes(obj.engine as Engine)) throw new UsageError(`${at}.engine must be one of ${ENGINES.join(', ')}`);
  if (typeof obj.secretArn !== 'string' || !SECRET_ARN.test(obj.secretArn)) {
    throw new UsageError(`${at}.secretArn must be a full secret ARN, arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 chars> (a name or partial ARN is not enough)`);
  }
  const target: TargetConfig = { engine: obj.engine as Engine, secretArn: obj.secretArn };
  if (obj.kmsKeyArn !== undefined) {
    if (typeof obj.kmsKeyArn !== 'string' || !KMS_KEY_ARN.test(obj.kmsKeyArn)) throw new UsageError(`${at}.kmsKeyArn must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (not an alias)`);
    target.kmsKeyArn = obj.kmsKeyArn;
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
