// Revert scoped by IAM: POST /runs/revert is its own API resource and method (so a policy can
// allow execute-api:Invoke on POST /runs and deny it on POST /runs/revert), and the stage's
// api.allowRevert (default false) reaches the api function as HOURGLASS_API_REVERT, which the
// handler reads (api-routes.test.ts and test/deployed/api-bundle.test.ts test the answers).
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';
import { resources, type Resources } from './template-helpers.js';
import { synthError } from './synth-error.js';

function synth(context: Record<string, unknown>): { template: Template; all: Resources } {
  const { stack } = createHourglassApp({ context: { ...cdkJsonContext(), ...context }, bundle: false });
  const template = Template.fromStack(stack);
  return { template, all: resources(template) };
}
const resourceId = (all: Resources, pathPart: string) => Object.entries(all).find(([, r]) => r.Type === 'AWS::ApiGateway::Resource' && r.Properties.PathPart === pathPart)![0];
/** HOURGLASS_API_REVERT of each function, by logical id prefix. */
const revertEnv = (all: Resources) => Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([id, r]) => [id.replace(/Function[0-9A-F]{8}$/, ''), r.Properties.Environment.Variables.HOURGLASS_API_REVERT]));

describe('the default stage', () => {
  let template: Template;
  let all: Resources;
  beforeAll(() => {
    ({ template, all } = synth({}));
  });

  it('serves POST /runs/revert on its own resource under /runs: IAM-authorized, a JSON object body, the api function', () => {
    const runs = resourceId(all, 'runs');
    const revert = resourceId(all, 'revert');
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'revert', ParentId: { Ref: runs } });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: { Ref: revert },
      AuthorizationType: 'AWS_IAM',
      RequestValidatorId: Match.anyValue(),
      RequestModels: { 'application/json': Match.anyValue() },
      Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
    });
    // One method on it: a policy on POST /runs/revert names exactly the reverts.
    const onRevert = Object.values(all).filter((r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties.ResourceId?.Ref === revert);
    expect(onRevert.map((m) => m.Properties.HttpMethod)).toEqual(['POST']);
  });

  it('refuses reverts through the API: HOURGLASS_API_REVERT=refuse on the api function only', () => {
    const env = revertEnv(all);
    expect(env.Api).toBe('refuse');
    expect(Object.entries(env).filter(([id, v]) => id !== 'Api' && v !== undefined)).toEqual([]);
  });
});

describe('api.allowRevert', () => {
  it('true in the stage block allows it (HOURGLASS_API_REVERT=allow); other stages keep refusing', () => {
    const stages = { prod: { api: { allowRevert: true } } };
    expect(revertEnv(synth({ stage: 'prod', 'hourglass:stages': stages }).all).Api).toBe('allow');
    expect(revertEnv(synth({ 'hourglass:stages': stages }).all).Api).toBe('refuse');
    expect(revertEnv(synth({ 'hourglass:api': { allowRevert: true } }).all).Api).toBe('allow');
    expect(revertEnv(synth({ 'hourglass:api': { allowRevert: false } }).all).Api).toBe('refuse');
  });

  it.each([
    [{ 'hourglass:api': { allowRevert: 'yes' } }, 'context hourglass:api.allowRevert must be true or false'],
    [{ 'hourglass:api': { allowReverts: true } }, 'context hourglass:api: unknown field "allowReverts" (known: allowRevert)'],
    [{ 'hourglass:api': true }, 'context hourglass:api must be {allowRevert?}'],
    [{ stage: 'prod', 'hourglass:stages': { prod: { api: { allowRevert: 1 } } } }, 'context hourglass:stages.prod.api.allowRevert must be true or false'],
  ])('a bad setting fails synth with one line: %j', (context, expected) => {
    expect(synthError(context)).toBe(expected);
  });
});
