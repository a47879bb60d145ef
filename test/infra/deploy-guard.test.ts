// Synth refuses what would deploy and then fail at run time: cdk.json's example targets
// (account 123456789012, secrets ending -EXAMPL) unless hourglass:allowExample opts in, and,
// for a stage bound to an account and region (its env setting), a secret or KMS key in another
// account or region. Each is one line naming the setting and its source; the CDK entry point
// (what `npx cdk synth` runs) prints it and exits 2.
import { Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';
import { synthError } from './synth-error.js';

const REAL_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:hourglass/prod-analytics-AbCdEf';
const REAL_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const REAL = { analytics: { engine: 'clickhouse', secretArn: REAL_SECRET, kmsKeyArn: REAL_KEY } };
const NO_OPT_IN = { 'hourglass:allowExample': false };
const PLACEHOLDER = "is a placeholder (account 123456789012 or a secret ending -EXAMPL, as in cdk.json's example): give the stage its real targets in a config file (-c hourglass:configFile=…, see infra/README.md), or -c hourglass:allowExample=true to synthesize the example offline";
const prod = (settings: Record<string, unknown>) => ({ stage: 'prod', 'hourglass:stages': { prod: settings } });

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'hourglass-guard-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("cdk.json's example", () => {
  it('is refused without the opt-in, naming the setting and its source', () => {
    expect(synthError(NO_OPT_IN)).toBe(`context hourglass:targets.analytics.secretArn ${PLACEHOLDER}`);
    expect(synthError({ ...NO_OPT_IN, stage: 'prod' })).toBe(`context hourglass:targets.analytics.secretArn ${PLACEHOLDER}`);
  });

  it('is refused in a config file or a stage block too: the documentation account, or a secret ending -EXAMPL', () => {
    const file = join(dir, 'stages.json');
    writeFileSync(file, JSON.stringify({ prod: { targets: { analytics: { engine: 'clickhouse', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hourglass/a-AbCdEf' } } } }));
    expect(synthError({ ...NO_OPT_IN, stage: 'prod', 'hourglass:configFile': file })).toBe(`${file} prod.targets.analytics.secretArn ${PLACEHOLDER}`);
    const exampleName = { a: { engine: 'postgres', secretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:hourglass/a-EXAMPL' } };
    expect(synthError({ ...NO_OPT_IN, ...prod({ targets: exampleName }) })).toBe(`context hourglass:stages.prod.targets.a.secretArn ${PLACEHOLDER}`);
    const exampleKey = { a: { engine: 'postgres', secretArn: REAL_SECRET, kmsKeyArn: REAL_KEY.replace('111122223333', '123456789012') } };
    expect(synthError({ ...NO_OPT_IN, ...prod({ targets: exampleKey }) })).toBe(`context hourglass:stages.prod.targets.a.kmsKeyArn ${PLACEHOLDER}`);
  });

  it('synthesizes with hourglass:allowExample (true, or "true" from -c); another value is one line', () => {
    expect(() => createHourglassApp({ context: { ...cdkJsonContext(), 'hourglass:allowExample': 'true' }, bundle: false })).not.toThrow();
    expect(synthError({ 'hourglass:allowExample': 'yes' })).toBe('context hourglass:allowExample must be true or false');
  });

  it('`npx cdk synth` with no config fails with that one line and exit 2, writing no template', () => {
    const out = join(dir, 'cdk.out');
    // What the CDK CLI does: run cdk.json's app with cdk.json's context in CDK_CONTEXT_JSON.
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'infra/app.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(cdkJsonContext({ allowExample: false })), CDK_OUTDIR: out },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe(`hourglass: context hourglass:targets.analytics.secretArn ${PLACEHOLDER}\n`);
    expect(r.status).toBe(2);
    expect(existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.template.json')) : []).toEqual([]);
  }, 60_000);
});

describe('a stage bound to an account and region (env)', () => {
  it('synthesizes real targets in its account and region without any opt-in, bound to that environment', () => {
    const { stack } = createHourglassApp({ context: { ...cdkJsonContext({ allowExample: false }), ...prod({ targets: REAL, env: { account: '111122223333', region: 'eu-west-1' } }) }, bundle: false });
    expect([stack.account, stack.region]).toEqual(['111122223333', 'eu-west-1']);
    // The KMS grant's condition names the stack's region literally now.
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: Match.arrayWith([{ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } }, Effect: 'Allow', Resource: REAL_KEY }]) } });
    // Without env the stack stays environment-agnostic.
    const agnostic = createHourglassApp({ context: { ...cdkJsonContext({ allowExample: false }), ...prod({ targets: REAL }) }, bundle: false }).stack;
    expect([Token.isUnresolved(agnostic.account), Token.isUnresolved(agnostic.region)]).toEqual([true, true]);
  });

  it('refuses a secret or key in another account or region, naming the setting and the env', () => {
    const env = { account: '111122223333', region: 'eu-west-1' };
    const cases: [Record<string, unknown>, string][] = [
      [{ targets: { a: { engine: 'postgres', secretArn: REAL_SECRET.replace('111122223333', '444455556666') } }, env }, 'context hourglass:stages.prod.targets.a.secretArn is in account 444455556666, but the stack deploys to account 111122223333 (context hourglass:stages.prod.env.account)'],
      [{ targets: { a: { engine: 'postgres', secretArn: REAL_SECRET.replace('eu-west-1', 'us-east-1') } }, env }, 'context hourglass:stages.prod.targets.a.secretArn is in region us-east-1, but the stack deploys to region eu-west-1 (context hourglass:stages.prod.env.region)'],
      [{ targets: { a: { engine: 'postgres', secretArn: REAL_SECRET, kmsKeyArn: REAL_KEY.replace('eu-west-1', 'eu-central-1') } }, env }, 'context hourglass:stages.prod.targets.a.kmsKeyArn is in region eu-central-1, but the stack deploys to region eu-west-1 (context hourglass:stages.prod.env.region)'],
      [{ targets: REAL, env: { region: 'us-east-2' } }, 'context hourglass:stages.prod.targets.analytics.secretArn is in region eu-west-1, but the stack deploys to region us-east-2 (context hourglass:stages.prod.env.region)'],
      [{ targets: REAL, env: { account: 111122223333 } }, 'context hourglass:stages.prod.env.account must be a 12-digit AWS account id (as a string)'],
      [{ targets: REAL, env: { region: 'Europe' } }, 'context hourglass:stages.prod.env.region must be an AWS region, e.g. eu-west-1'],
      [{ targets: REAL, env: { acount: '111122223333' } }, 'context hourglass:stages.prod.env: unknown field "acount" (known: account, region)'],
    ];
    for (const [settings, message] of cases) expect(synthError({ ...NO_OPT_IN, ...prod(settings) }), JSON.stringify(settings)).toBe(message);
    // The opt-in allows the example account, never a mismatch.
    expect(synthError({ 'hourglass:env': { account: '111122223333' } })).toBe('context hourglass:targets.analytics.secretArn is in account 123456789012, but the stack deploys to account 111122223333 (context hourglass:env.account)');
  });
});
