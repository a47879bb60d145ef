// What synth refuses before anything reaches an account: cdk.json's example targets (the
// documentation account 123456789012, secret names ending -EXAMPL), which would deploy and
// then fail at run time; and, for a stack bound to an account and region (the stage's `env`
// setting), a secret or key in another account or region, which the functions could not read
// either. Each refusal is one line naming the setting and where it came from.
//
// In-process synthesis of the example (template tests, the local runner's definition, the
// deployed-test host, the bench) opts in with context hourglass:allowExample (cdkJsonContext()
// adds it); `npx cdk synth` reads cdk.json itself and does not, unless given
// `-c hourglass:allowExample=true` for an offline look. Only the example is allowed then: a
// mismatch with `env` is still refused.
import type { Node } from 'constructs';
import { UsageError } from '../functions/engine/errors.js';
import type { TargetsConfig } from '../functions/handlers/target-config.js';
import { CONTEXT_KEYS, type SettingValue } from './stage-config.js';

export const EXAMPLE_ACCOUNT = '123456789012';
const EXAMPLE_SECRET_SUFFIX = '-EXAMPL';

/** The account and region a stage's stack is bound to; either may be left out. */
export interface StackEnv {
  account?: string;
  region?: string;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseEnv(setting: SettingValue): StackEnv | undefined {
  const { value: raw, label } = setting;
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw new UsageError(`${label} must be {account?, region?}`);
  for (const key of Object.keys(raw)) if (key !== 'account' && key !== 'region') throw new UsageError(`${label}: unknown field "${key.slice(0, 40)}" (known: account, region)`);
  const env: StackEnv = {};
  if (raw.account !== undefined) {
    if (typeof raw.account !== 'string' || !ACCOUNT.test(raw.account)) throw new UsageError(`${label}.account must be a 12-digit AWS account id (as a string)`);
    env.account = raw.account;
  }
  if (raw.region !== undefined) {
    if (typeof raw.region !== 'string' || !REGION.test(raw.region)) throw new UsageError(`${label}.region must be an AWS region, e.g. eu-west-1`);
    env.region = raw.region;
  }
  return env;
}

/** hourglass:allowExample: true (cdk.json or in-process) or "true" (-c). */
export function exampleAllowed(node: Node): boolean {
  const value: unknown = node.tryGetContext(CONTEXT_KEYS.allowExample);
  if (value === undefined || value === null || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new UsageError(`context ${CONTEXT_KEYS.allowExample} must be true or false`);
}

/** arn:<partition>:<service>:<region>:<account>:… (the target parser has checked the shape). */
function arnParts(arn: string): { region: string; account: string } {
  const [, , , region, account] = arn.split(':');
  return { region: region!, account: account! };
}

export function checkTargetsForDeploy(targets: TargetsConfig, targetsLabel: string, opts: { allowExample: boolean; env?: StackEnv; envLabel: string }): void {
  for (const [name, target] of Object.entries(targets)) {
    const arns: [string, string][] = [['secretArn', target.secretArn], ...(target.kmsKeyArn ? [['kmsKeyArn', target.kmsKeyArn] as [string, string]] : [])];
    for (const [field, arn] of arns) {
      const at = `${targetsLabel}.${name}.${field}`;
      const { region, account } = arnParts(arn);
      const example = account === EXAMPLE_ACCOUNT || (field === 'secretArn' && arn.endsWith(EXAMPLE_SECRET_SUFFIX));
      if (example && !opts.allowExample) {
        throw new UsageError(`${at} is a placeholder (account ${EXAMPLE_ACCOUNT} or a secret ending ${EXAMPLE_SECRET_SUFFIX}, as in cdk.json's example): give the stage its real targets in a config file (-c hourglass:configFile=…, see infra/README.md), or -c ${CONTEXT_KEYS.allowExample}=true to synthesize the example offline`);
      }
      if (opts.env?.account && account !== opts.env.account) throw new UsageError(`${at} is in account ${account}, but the stack deploys to account ${opts.env.account} (${opts.envLabel}.account)`);
      if (opts.env?.region && region !== opts.env.region) throw new UsageError(`${at} is in region ${region}, but the stack deploys to region ${opts.env.region} (${opts.envLabel}.region)`);
    }
  }
}
