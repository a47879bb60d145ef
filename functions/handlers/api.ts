// Lambda entry of the HTTP API (API Gateway REST, Lambda proxy). Routing and validation live
// in api-routes.ts; this file wires the real clients once per container and turns an
// unexpected error into a 500 whose body names the request id (details only in the logs).
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { errorMessage } from '../engine/errors.js';
import { createDocumentClient } from '../engine/state/client.js';
import { RunStore } from '../engine/state/run-store.js';
import { RunLeases } from '../engine/state/run-lease.js';
import { IdempotencyKeys } from '../engine/state/idempotency-keys.js';
import { errorResponse } from './api-http.js';
import { handleApiRequest, type ApiDeps } from './api-routes.js';
import { API_REVERT_ENV } from './api-run-guards.js';
import { requiredEnv, targetsFromEnv } from './environment.js';
import { logger } from './observability.js';

let deps: Promise<ApiDeps> | undefined;

function apiDeps(): Promise<ApiDeps> {
  deps ??= (async (): Promise<ApiDeps> => {
    const doc = await createDocumentClient();
    const table = requiredEnv('TABLE_NAME');
    return {
      runs: new RunStore(doc, table),
      runLeases: new RunLeases(doc, table),
      idempotencyKeys: new IdempotencyKeys(doc, table),
      sfn: new SFNClient({}),
      stateMachineArn: requiredEnv('STATE_MACHINE_ARN'),
      targets: Object.keys(targetsFromEnv()),
      allowRevert: process.env[API_REVERT_ENV] === 'allow',
    };
  })().catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  const started = Date.now();
  try {
    const response = await handleApiRequest(event, await apiDeps());
    logger.info('request', { method: event.httpMethod, resource: event.resource, status: response.statusCode, durationMs: Date.now() - started });
    return response;
  } catch (error) {
    logger.error('request failed', { method: event.httpMethod, resource: event.resource, error: errorMessage(error) });
    return errorResponse(500, `internal error (request ${context.awsRequestId})`);
  }
}
