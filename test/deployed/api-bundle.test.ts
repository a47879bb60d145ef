// The API function exactly as `cdk synth` bundles it (the cdk.out asset), in the Lambda-like
// host, driven with API Gateway REST events carrying an IAM caller, on every route: 202, 200,
// 400, 404, 405, 409 and a 500 (its table missing). It reaches DynamoDB (dynalite) and Step
// Functions (the local Step Functions API endpoint) over the network, through the SDK the
// bundle carries, pointed there by AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SFN.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { RunLeases } from '../../functions/engine/state/run-lease.js';
import { LOCAL_STATE_MACHINE_ARN, startDeployedHost, type DeployedHost } from '../../functions/local/deployed/deployed-host.js';
import { functionByName } from '../../functions/local/deployed/template.js';
import { startStepFunctionsEndpoint, type StepFunctionsEndpoint } from '../../functions/local/deployed/step-functions-endpoint.js';
import { startDynamoFixture, type DynamoFixture } from '../state/dynamo-fixture.js';
import { newRun, seedPartialRun as seedPartialRunIn } from '../state/run-fixture.js';
import { SYNTH_TIMEOUT_MS, cloudAssembly, restEvent } from './support.js';

let fx: DynamoFixture;
let store: RunStore;
let sfn: StepFunctionsEndpoint;
let host: DeployedHost;
let brokenHost: DeployedHost;
/** The same bundle in a stage that sets api.allowRevert (HOURGLASS_API_REVERT=allow). */
let revertHost: DeployedHost;
const logs: string[] = [];
/** Executions the endpoint started, ended by the test when it chooses. */
const finishers = new Map<string, (status: 'SUCCEEDED' | 'FAILED') => void>();

beforeAll(async () => {
  const cdkOut = await cloudAssembly();
  fx = await startDynamoFixture();
  const table = await fx.freshTable();
  store = new RunStore(fx.doc, table);
  sfn = await startStepFunctionsEndpoint({
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    start: (name) => new Promise((resolve) => finishers.set(name, (status) => resolve({ status }))),
  });
  const endpoints = { dynamodb: fx.local.endpoint, stepFunctions: sfn.endpoint };
  host = startDeployedHost({ cdkOut, tableName: table, endpoints, onLog: (_fn, line) => logs.push(line) });
  brokenHost = startDeployedHost({ cdkOut, tableName: 'no-such-table', endpoints, onLog: (_fn, line) => logs.push(line) });
  revertHost = startDeployedHost({ cdkOut, tableName: table, endpoints, extraEnv: { HOURGLASS_API_REVERT: 'allow' }, onLog: (_fn, line) => logs.push(line) });
}, SYNTH_TIMEOUT_MS);

afterAll(async () => {
  for (const finish of finishers.values()) finish('SUCCEEDED');
  await host?.close();
  await brokenHost?.close();
  await revertHost?.close();
  await sfn?.close();
  await fx?.close();
});

async function call(event: Record<string, unknown>, on: DeployedHost = host): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = (await on.fn('api').invoke(event)) as { statusCode: number; headers: Record<string, string>; body: string };
  expect(res.headers['content-type']).toBe('application/json');
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
}

const executionsNamed = (name: string) => sfn.executions.filter((e) => e.name === name);

const seedPartialRun = (runId: string) => seedPartialRunIn(store, runId);

describe('POST /runs', () => {
  it('202: starts an execution through the Step Functions API with the validated input', async () => {
    const body = { action: 'backfill', target: 'analytics', version: 3, concurrency: 8 };
    const res = await call(restEvent('POST', '/runs', { body }));
    expect(res.status).toBe(202);
    const name = String(res.body.runId);
    expect(name).toMatch(/^backfill-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(res.body.executionArn).toBe(`arn:aws:states:us-east-1:000000000000:execution:Hourglass-Runs:${name}`);
    expect(executionsNamed(name).map((e) => [e.status, JSON.parse(e.input)])).toEqual([['RUNNING', body]]);
  });

  it('the same request twice while it runs starts one execution; once it ended, 409 (names are never reused)', async () => {
    const body = { action: 'backfill', target: 'analytics', version: 3, runId: 'api-same-twice' };
    expect((await call(restEvent('POST', '/runs', { body }))).status).toBe(202);
    expect((await call(restEvent('POST', '/runs', { body }))).status).toBe(202);
    expect(executionsNamed('api-same-twice')).toHaveLength(1);
    finishers.get('api-same-twice')!('FAILED');
    await vi.waitFor(() => expect(executionsNamed('api-same-twice')[0]!.status).toBe('FAILED'));
    const again = await call(restEvent('POST', '/runs', { body }));
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('execution api-same-twice already exists (execution names are never reused)');
  });

  it('Idempotency-Key: the same key starts one execution, also after it ended; the key with another body is 422', async () => {
    const body = { action: 'backfill', target: 'observability', version: 4 };
    const withKey = (b: unknown) => {
      const event = restEvent('POST', '/runs', { body: b });
      (event.headers as Record<string, string>)['Idempotency-Key'] = 'bundle-key-1';
      return event;
    };
    const first = await call(withKey(body));
    expect(first.status).toBe(202);
    const name = String(first.body.runId);
    expect(name).toMatch(/^key-[0-9a-f]{32}$/);
    expect(await call(withKey(body))).toEqual(first);
    finishers.get(name)!('SUCCEEDED');
    await vi.waitFor(() => expect(executionsNamed(name)[0]!.status).toBe('SUCCEEDED'));
    expect(await call(withKey(body))).toEqual(first);
    expect(executionsNamed(name)).toHaveLength(1);
    const other = await call(withKey({ ...body, concurrency: 2 }));
    expect(other).toEqual({ status: 422, body: { error: `idempotency key already used with a different body (run ${name}): send a new key for a different run` } });
  });

  it('409 with the holder run id while another run holds the target and version', async () => {
    await new RunLeases(fx.doc, store.tableName).take({ targetName: 'observability', version: 5, runId: 'bundle-holder' });
    const before = sfn.executions.length;
    const res = await call(restEvent('POST', '/runs', { body: { action: 'backfill', target: 'observability', version: 5 } }));
    expect(res.status).toBe(409);
    expect(res.body.holderRunId).toBe('bundle-holder');
    expect(String(res.body.error)).toMatch(/^a backfill of migration 5 on target observability is already running as run bundle-holder /);
    expect(sfn.executions.length).toBe(before);
  });

  it('409 when the run id names an existing run', async () => {
    await store.createRun(newRun('api-taken'));
    const res = await call(restEvent('POST', '/runs', { body: { action: 'backfill', target: 'analytics', version: 3, runId: 'api-taken' } }));
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('run api-taken already exists: re-run its failed windows with POST /runs/api-taken/retry');
  });

  it.each([
    ['{not json', 'request body is not valid JSON'],
    [{ action: 'backfill', target: 'nowhere', version: 3 }, 'unknown target "nowhere" (configured: analytics, observability)'],
    [{ target: 'analytics' }, 'action'],
  ])('400 for a bad body %#', async (body, message) => {
    const before = sfn.executions.length;
    const res = await call(restEvent('POST', '/runs', { body }));
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(message);
    expect(sfn.executions.length).toBe(before);
  });
});

describe('POST /runs/revert', () => {
  const revert = { action: 'revert', target: 'analytics', version: 2 };

  it('the synthesized stage refuses it (api.allowRevert defaults to false): 403 with one line, nothing started', async () => {
    expect(functionByName(host.template, 'api').variables.HOURGLASS_API_REVERT).toBe('refuse');
    const before = sfn.executions.length;
    for (const body of [revert, { target: 'analytics' }, '{not json']) {
      const res = await call(restEvent('POST', '/runs/revert', { body }));
      expect(res).toEqual({ status: 403, body: { error: "revert is not allowed through this stage's API: set the stage's api.allowRevert to true (and allow POST /runs/revert in the caller's IAM policy), or revert with the CLI" } });
    }
    expect(sfn.executions.length).toBe(before);
  });

  it('POST /runs refuses a revert with 400 pointing to /runs/revert, also where reverts are allowed', async () => {
    const before = sfn.executions.length;
    for (const on of [host, revertHost]) {
      const res = await call(restEvent('POST', '/runs', { body: revert }), on);
      expect(res).toEqual({ status: 400, body: { error: 'revert is not started with POST /runs: use POST /runs/revert (its own resource, so IAM can tell a revert from a backfill)' } });
    }
    expect(sfn.executions.length).toBe(before);
  });

  it('where the stage allows it: 202 starts the revert (action implied); another action there is 400', async () => {
    const res = await call(restEvent('POST', '/runs/revert', { body: { target: 'analytics', version: 2, runId: 'api-revert-to-2' } }), revertHost);
    expect(res.status).toBe(202);
    expect(res.body.runId).toBe('api-revert-to-2');
    expect(executionsNamed('api-revert-to-2').map((e) => JSON.parse(e.input))).toEqual([{ ...revert, runId: 'api-revert-to-2' }]);
    const before = sfn.executions.length;
    const other = await call(restEvent('POST', '/runs/revert', { body: { action: 'backfill', target: 'analytics', version: 3 } }), revertHost);
    expect(other).toEqual({ status: 400, body: { error: 'POST /runs/revert starts a revert: "action" must be revert or absent, got "backfill" (other actions: POST /runs)' } });
    expect(sfn.executions.length).toBe(before);
  });
});

describe('GET /runs/{id} and /runs/{id}/windows', () => {
  it('200 with the run record and its counts; 404 unknown; 400 for a bad id', async () => {
    await seedPartialRun('api-read');
    const res = await call(restEvent('GET', '/runs/{id}', { id: 'api-read' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ runId: 'api-read', windowCount: 6, counts: { pending: 0, running: 0, succeeded: 4, failed: 2 }, rowsWritten: 40 });
    expect((await call(restEvent('GET', '/runs/{id}', { id: 'api-nothing' }))).status).toBe(404);
    expect((await call(restEvent('GET', '/runs/{id}', { id: 'bad id!' }))).status).toBe(400);
  });

  it('200 with the failed windows; 400 for a bad status filter; 404 for an unknown run', async () => {
    await seedPartialRun('api-windows');
    const res = await call(restEvent('GET', '/runs/{id}/windows', { id: 'api-windows', query: { status: 'failed' } }));
    expect(res.status).toBe(200);
    expect((res.body.windows as { start: string; lastError: string }[]).map((w) => [w.start, w.lastError])).toEqual([
      ['2024-01-01T01:00:00.000Z', 'boom'],
      ['2024-01-01T04:00:00.000Z', 'boom'],
    ]);
    const bad = await call(restEvent('GET', '/runs/{id}/windows', { id: 'api-windows', query: { status: 'broken' } }));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('"status" must be one of pending, running, succeeded, failed');
    expect((await call(restEvent('GET', '/runs/{id}/windows', { id: 'api-nothing' }))).status).toBe(404);
  });
});

describe('GET /runs/{id}/report', () => {
  it('413 with one line for a run of 87,600 windows (ten years of hours), instead of a timeout', async () => {
    await store.createRun(newRun('api-decade', { windowCount: 87_600 }));
    const res = await call(restEvent('GET', '/runs/{id}/report', { id: 'api-decade' }));
    expect(res).toEqual({ status: 413, body: { error: 'the report of run api-decade is too large for the API (87600 windows, at most 8760): page its windows with GET /runs/api-decade/windows, or render it with the CLI: hourglass report api-decade --out report.html' } });
  });
});

describe('POST /runs/{id}/retry', () => {
  it('202 starts one retry of the failed windows; a second while it runs is 409', async () => {
    await seedPartialRun('api-retry');
    const first = await call(restEvent('POST', '/runs/{id}/retry', { id: 'api-retry', body: { target: 'analytics', concurrency: 2 } }));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ runId: 'api-retry', windows: 2 });
    expect(String(first.body.executionName)).toMatch(/^retry-api-retry-[0-9a-f]{16}$/);
    const [execution] = executionsNamed(String(first.body.executionName));
    expect(JSON.parse(execution!.input)).toEqual({ action: 'retry', runId: 'api-retry', target: 'analytics', concurrency: 2 });
    const second = await call(restEvent('POST', '/runs/{id}/retry', { id: 'api-retry', body: { target: 'analytics' } }));
    expect(second.status).toBe(409);
    expect(second.body).toEqual({ error: 'a retry of run api-retry is already running', executionArn: execution!.executionArn });
  });

  it('409 with nothing to retry, 404 for an unknown run, 400 for a bad body', async () => {
    await store.createRun(newRun('api-clean', { windowCount: 1 }));
    const clean = await call(restEvent('POST', '/runs/{id}/retry', { id: 'api-clean', body: { target: 'analytics' } }));
    expect(clean.status).toBe(409);
    expect(clean.body.error).toBe('run api-clean has no failed windows to retry');
    expect((await call(restEvent('POST', '/runs/{id}/retry', { id: 'api-nothing', body: {} }))).status).toBe(404);
    const bad = await call(restEvent('POST', '/runs/{id}/retry', { id: 'api-clean', body: { force: true } }));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('unknown retry field "force" (known: target, concurrency, toleratedFailurePercentage)');
  });
});

describe('POST /runs/{id}/resume', () => {
  it('202 starts one resume of every window not done; the same again while it runs is 409; a run with none is 409; unknown 404', async () => {
    await seedPartialRun('api-resume');
    const first = await call(restEvent('POST', '/runs/{id}/resume', { id: 'api-resume', body: { target: 'analytics', toleratedFailurePercentage: 50 } }));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ runId: 'api-resume', windows: 2 });
    expect(String(first.body.executionName)).toMatch(/^resume-api-resume-[0-9a-f]{16}$/);
    const [execution] = executionsNamed(String(first.body.executionName));
    expect(JSON.parse(execution!.input)).toEqual({ action: 'resume', runId: 'api-resume', target: 'analytics', toleratedFailurePercentage: 50 });
    const second = await call(restEvent('POST', '/runs/{id}/resume', { id: 'api-resume', body: { target: 'analytics' } }));
    expect(second.status).toBe(409);
    expect(second.body).toEqual({ error: 'a resume of run api-resume is already running', executionArn: execution!.executionArn });
    expect((await call(restEvent('POST', '/runs/{id}/resume', { id: 'api-nothing', body: {} }))).status).toBe(404);
  });
});

describe('routing and failures', () => {
  it('404 for an unknown resource, 405 for a method a resource does not take', async () => {
    expect((await call(restEvent('GET', '/nothing'))).status).toBe(404);
    const res = await call(restEvent('DELETE', '/runs'));
    expect(res.status).toBe(405);
    expect(res.body.error).toBe('DELETE is not allowed on /runs (allowed: POST)');
  });

  it('500 when its table is missing: the body names only the request id, the log has the cause', async () => {
    const res = await call(restEvent('GET', '/runs/{id}', { id: 'api-read' }), brokenHost);
    expect(res.status).toBe(500);
    expect(res.body.error).toMatch(/^internal error \(request [0-9a-f-]{36}\)$/);
    const requestId = /request ([0-9a-f-]{36})/.exec(String(res.body.error))![1];
    const logged = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.function_request_id === requestId);
    expect(logged).toMatchObject({ level: 'ERROR', message: 'request failed', method: 'GET', resource: '/runs/{id}' });
    expect(String(logged!.error)).toMatch(/resource not found|non-existent table|ResourceNotFound/i);
  });

  it('one execution environment serves requests one after another (warm starts, module-scope clients)', async () => {
    for (let i = 0; i < 3; i++) await call(restEvent('GET', '/runs/{id}', { id: 'api-nothing' }));
    expect(host.fn('api').coldStarts).toBe(1);
  });
});
