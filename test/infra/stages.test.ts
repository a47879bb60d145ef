// Stages: `-c stage=prod` (default dev) names the stack, its exports, its event bus and its
// dashboard, so two stages never collide in one account; each stage's settings come from a
// config file, the context's hourglass:stages, or the top-level example in cdk.json; a bad
// stage or stage config fails synth with one line naming its source.
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';
import { resources, type Resources } from './template-helpers.js';
import { synthError } from './synth-error.js';

const PROD_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hourglass/prod-analytics-AbCdEf';
const FILE_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hourglass/file-analytics-GhIjKl';
const PROD_TARGETS = { analytics: { engine: 'clickhouse', secretArn: PROD_SECRET } };

interface Synth { stackName: string; template: Template; all: Resources }
function synth(context: Record<string, unknown>): Synth {
  const { stack } = createHourglassApp({ context: { ...cdkJsonContext(), ...context }, bundle: false });
  const template = Template.fromStack(stack);
  return { stackName: stack.stackName, template, all: resources(template) };
}
const exportNames = (s: Synth) => Object.values(s.template.toJSON().Outputs as Record<string, { Export?: { Name: string } }>).flatMap((o) => (o.Export ? [o.Export.Name] : []));
/** Every name a stage fixes in the account: stack, exports, bus, dashboard. */
const fixedNames = (s: Synth) => [s.stackName, ...exportNames(s), ...Object.values(s.all).flatMap((r) => [r.Properties?.Name, r.Properties?.DashboardName].filter((n) => typeof n === 'string'))];
const functionEnv = (s: Synth) => Object.values(s.all).filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => r.Properties.Environment.Variables);

let dir: string;
let dev: Synth;
let prod: Synth;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-stages-'));
  dev = synth({});
  prod = synth({ stage: 'prod', 'hourglass:stages': { prod: { targets: PROD_TARGETS, eventBus: { accounts: ['111122223333'] } } } });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the stage names the stack and everything named in the account', () => {
  it('defaults to dev: Hourglass-dev, exports prefixed with it, bus hourglass-dev, dashboard Hourglass-dev', () => {
    expect(dev.stackName).toBe('Hourglass-dev');
    expect(exportNames(dev).sort()).toEqual(['AlertsTopicArn', 'ApiUrl', 'DashboardName', 'EventBusArn', 'EventBusName', 'StateMachineArn', 'TableName', 'TriggerDeadLetterQueueUrl', 'WarningsTopicArn'].map((n) => `Hourglass-dev-${n}`));
    expect(fixedNames(dev)).toEqual(expect.arrayContaining(['hourglass-dev', 'Hourglass-dev']));
    // The metrics' service dimension follows: alarms and dashboard read this stage's metrics only.
    for (const env of functionEnv(dev)) expect(env.POWERTOOLS_SERVICE_NAME).toBe('Hourglass-dev');
  });

  it('-c stage=prod gives another stack whose fixed names share nothing with dev', () => {
    expect(prod.stackName).toBe('Hourglass-prod');
    expect(exportNames(prod).every((n) => n.startsWith('Hourglass-prod-'))).toBe(true);
    const devNames = new Set(fixedNames(dev));
    expect(fixedNames(prod).filter((n) => devNames.has(n))).toEqual([]);
    expect(fixedNames(prod).length).toBe(fixedNames(dev).length);
  });
});

describe("a stage's settings", () => {
  it('come from context hourglass:stages.<stage>, over the top-level example', () => {
    for (const env of functionEnv(prod)) {
      expect(JSON.parse(env.HOURGLASS_TARGETS)).toEqual(PROD_TARGETS);
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('Hourglass-prod');
    }
    prod.template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { account: [{ Ref: 'AWS::AccountId' }, '111122223333'] } });
    // dev (no block of its own) keeps cdk.json's example targets.
    expect(Object.keys(JSON.parse(functionEnv(dev)[0]!.HOURGLASS_TARGETS)).sort()).toEqual(Object.keys(cdkJsonContext()['hourglass:targets'] as object).sort());
  });

  it('come from the file hourglass:configFile names, over context', () => {
    const file = join(dir, 'stages.json');
    writeFileSync(file, JSON.stringify({ prod: { targets: { analytics: { engine: 'clickhouse', secretArn: FILE_SECRET } } } }));
    const fromFile = synth({ stage: 'prod', 'hourglass:configFile': file, 'hourglass:stages': { prod: { targets: PROD_TARGETS } } });
    for (const env of functionEnv(fromFile)) expect(JSON.parse(env.HOURGLASS_TARGETS)).toEqual({ analytics: { engine: 'clickhouse', secretArn: FILE_SECRET } });
  });

  it('fail synth with one line that names the source', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ prod: { targets: { analytics: { engine: 'clickhouse', url: 'clickhouse://u:pw@h' } } } }));
    writeFileSync(join(dir, 'broken.json'), '{"prod": ');
    const cases: [Record<string, unknown>, string][] = [
      [{ stage: 'Prod!' }, 'context stage must be lower-case letters, digits and - (at most 20, starting with a letter), e.g. -c stage=prod'],
      [{ stage: 'prod', 'hourglass:configFile': file }, `${file} prod.targets.analytics.url: connection URLs belong in Secrets Manager (secretArn), never in configuration`],
      [{ stage: 'prod', 'hourglass:configFile': join(dir, 'missing.json') }, `context hourglass:configFile: cannot read ${join(dir, 'missing.json')} (ENOENT)`],
      [{ stage: 'prod', 'hourglass:configFile': join(dir, 'broken.json') }, `${join(dir, 'broken.json')} is not valid JSON`],
      [{ stage: 'prod', 'hourglass:stages': { prod: { target: PROD_TARGETS } } }, 'context hourglass:stages.prod: unknown setting "target" (known: targets, vpc, schedule, eventBus, api, logs, env)'],
      [{ stage: 'prod', 'hourglass:stages': { prod: { targets: {} } } }, 'context hourglass:stages.prod.targets defines no target'],
      [{ stage: 'prod', 'hourglass:stages': { prod: { vpc: { vpcId: 'vpc-1' } } } }, 'context hourglass:stages.prod.vpc.vpcId must be a VPC id (vpc-…)'],
      [{ 'hourglass:stages': '{"dev": ' }, 'context hourglass:stages is not valid JSON'],
    ];
    for (const [context, message] of cases) expect(synthError(context), JSON.stringify(context)).toBe(message);
  });
});

describe('cdk.json', () => {
  it('ships example targets only: the documentation account, no real secret name', () => {
    const targets = cdkJsonContext()['hourglass:targets'] as Record<string, { secretArn: string }>;
    expect(Object.keys(targets).length).toBeGreaterThan(0);
    for (const target of Object.values(targets)) expect(target.secretArn).toMatch(/^arn:aws:secretsmanager:[a-z0-9-]+:123456789012:secret:hourglass\/[a-z]+-EXAMPL$/);
  });
});
