// Shared by the tests that run the cdk.out bundles: one bundled synthesis for all of them
// (cached by a hash of the sources, see functions/local/deployed/cdk-out.ts), and API Gateway
// REST events as the IAM-authorized API sends them to the function.
import { bundledCloudAssembly } from '../../functions/local/deployed/cdk-out.js';

/** Synthesis with bundling takes a minute or two on a loaded machine (once per change of the sources). */
export const SYNTH_TIMEOUT_MS = 15 * 60_000;

export function cloudAssembly(): Promise<string> {
  return bundledCloudAssembly({ log: (line) => process.stderr.write(`${line}\n`) });
}

/** An API Gateway REST proxy event with an IAM caller (no authorizer: IAM auth puts the caller in identity). */
export function restEvent(httpMethod: string, resource: string, opts: { id?: string; body?: unknown; query?: Record<string, string> } = {}): Record<string, unknown> {
  const path = resource.replace('{id}', opts.id ?? '');
  return {
    resource,
    path,
    httpMethod,
    headers: { 'content-type': 'application/json', host: 'abc123.execute-api.us-east-1.amazonaws.com' },
    multiValueHeaders: {},
    queryStringParameters: opts.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: opts.id === undefined ? null : { id: opts.id },
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'abc123',
      stage: 'prod',
      resourcePath: resource,
      httpMethod,
      path: `/prod${path}`,
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      identity: {
        accountId: '000000000000',
        caller: 'AIDAEXAMPLEOPS',
        user: 'AIDAEXAMPLEOPS',
        userArn: 'arn:aws:iam::000000000000:user/ops',
        accessKey: 'AKIAEXAMPLE',
        sourceIp: '192.0.2.1',
        userAgent: 'awscurl',
      },
    },
    body: opts.body === undefined ? null : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    isBase64Encoded: false,
  };
}
