// POST /runs with an idempotency key, and the 409 while another run holds the target and
// version: the API's routes against a real state store (dynalite) and a stub of the Step
// Functions client that keeps StartExecution's documented naming rules (a name is never
// reused, except that the same name with identical input while RUNNING returns the running one).
import { ExecutionAlreadyExists, ListExecutionsCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { RunLeases } from '../../functions/engine/state/run-lease.js';
import { IdempotencyKeys, runIdForKey } from '../../functions/engine/state/idempotency-keys.js';
import { handleApiRequest, type ApiDeps } from '../../functions/handlers/api-routes.js';
import type { ApiRequest } from '../../functions/handlers/api-http.js';
import { startDynamoFixture, type DynamoFixture } from '../state/dynamo-fixture.js';
import { hourlyPlan, newRun } from '../state/run-fixture.js';

const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Runs';
const EXECUTION = (name: string) => `${SM.replace(':stateMachine:', ':execution:')}:${name}`;

class FakeStepFunctions {
  readonly executions = new Map<string, { input: string; status: 'RUNNING' | 'SUCCEEDED' }>();
  readonly sent: string[] = [];
  async send(command: unknown): Promise<unknown> {
    if (command instanceof StartExecutionCommand) {
      const { name = '', input = '' } = command.input;
      this.sent.push(`start ${name}`);
      const existing = this.executions.get(name);
      if (existing && !(existing.status === 'RUNNING' && existing.input === input)) throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${EXECUTION(name)}'`, $metadata: {} });
      if (!existing) this.executions.set(name, { input, status: 'RUNNING' });
      return { executionArn: EXECUTION(name), startDate: new Date() };
    }
    if (command instanceof ListExecutionsCommand) {
      return { executions: [...this.executions].filter(([, e]) => e.status === 'RUNNING').map(([name]) => ({ name, executionArn: EXECUTION(name), status: 'RUNNING' })) };
    }
    throw new Error(`unexpected command ${String(command)}`);
  }
}

let fx: DynamoFixture;
let store: RunStore;
let leases: RunLeases;
let sfn: FakeStepFunctions;
let deps: ApiDeps;

beforeAll(async () => {
  fx = await startDynamoFixture();
});
afterAll(async () => fx?.close());
beforeEach(async () => {
  const table = await fx.freshTable();
  store = new RunStore(fx.doc, table);
  leases = new RunLeases(fx.doc, table);
  sfn = new FakeStepFunctions();
  deps = {
    runs: store, runLeases: leases, idempotencyKeys: new IdempotencyKeys(fx.doc, table),
    sfn: sfn as unknown as Pick<SFNClient, 'send'>, stateMachineArn: SM, targets: ['analytics'], now: () => new Date('2024-03-01T12:00:00Z'),
  };
});

function post(body: unknown, headers: Record<string, string> = {}): ApiRequest {
  return { httpMethod: 'POST', resource: '/runs', headers, body: JSON.stringify(body) };
}

async function call(req: ApiRequest): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await handleApiRequest(req, deps);
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
}

const BACKFILL = { action: 'backfill', target: 'analytics', version: 3, concurrency: 8 };

describe('POST /runs with an idempotency key', () => {
  it('starts the execution once, named by the key, however often the request comes (header or body)', async () => {
    const first = await call(post(BACKFILL, { 'Idempotency-Key': 'deploy-42' }));
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ runId: runIdForKey('deploy-42'), executionName: runIdForKey('deploy-42'), executionArn: EXECUTION(runIdForKey('deploy-42')) });
    expect(first.body.runId).toMatch(/^key-[0-9a-f]{32}$/);
    // The key is not part of the execution input.
    expect(JSON.parse(sfn.executions.get(String(first.body.runId))!.input)).toEqual(BACKFILL);

    // Again while it runs (header name in any case), and with the key in the body: the same run.
    expect(await call(post(BACKFILL, { 'idempotency-key': 'deploy-42' }))).toEqual(first);
    expect(await call(post({ ...BACKFILL, idempotencyKey: 'deploy-42' }))).toEqual(first);
    // After it ended: still the same run, and no second execution.
    sfn.executions.get(String(first.body.runId))!.status = 'SUCCEEDED';
    expect(await call(post(BACKFILL, { 'Idempotency-Key': 'deploy-42' }))).toEqual(first);
    expect([...sfn.executions.keys()]).toEqual([first.body.runId]);

    // Another key is another run.
    const other = await call(post(BACKFILL, { 'Idempotency-Key': 'deploy-43' }));
    expect(other.status).toBe(202);
    expect(other.body.runId).not.toBe(first.body.runId);
  });

  it('answers 422 in one line to the same key with another body, and starts nothing', async () => {
    const first = await call(post(BACKFILL, { 'Idempotency-Key': 'k-1' }));
    expect(first.status).toBe(202);
    const res = await call(post({ ...BACKFILL, concurrency: 2 }, { 'Idempotency-Key': 'k-1' }));
    expect(res).toEqual({ status: 422, body: { error: `idempotency key already used with a different body (run ${String(first.body.runId)}): send a new key for a different run` } });
    expect(sfn.executions.size).toBe(1);
  });

  it.each([
    [{ 'Idempotency-Key': 'has space' }, {}, 'idempotency key must be 1-255 printable ASCII characters without spaces'],
    [{ 'Idempotency-Key': 'x'.repeat(256) }, {}, 'idempotency key must be 1-255 printable ASCII characters without spaces'],
    [{}, { idempotencyKey: 7 }, 'idempotency key must be 1-255 printable ASCII characters without spaces'],
    [{ 'Idempotency-Key': 'a' }, { idempotencyKey: 'b' }, 'the Idempotency-Key header and "idempotencyKey" in the body differ: send one'],
  ])('answers 400 for the key in %j / %j', async (headers, extra, message) => {
    const res = await call(post({ ...BACKFILL, ...extra }, headers));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(message);
    expect(sfn.sent).toEqual([]);
  });
});

describe('one run per target and version', () => {
  it('answers 409 with the holder run id while another run holds the lease, and starts nothing', async () => {
    await leases.take({ targetName: 'analytics', version: 3, runId: 'holder-1' });
    const res = await call(post(BACKFILL));
    expect(res.status).toBe(409);
    expect(res.body.holderRunId).toBe('holder-1');
    expect(String(res.body.error)).toMatch(/^a backfill of migration 3 on target analytics is already running as run holder-1 \(lease until [^)]+\): wait for it to end, or resume that run$/);
    expect(sfn.sent).toEqual([]);
    // Another version of the same target, or another target: not held.
    expect((await call(post({ ...BACKFILL, version: 4 }))).status).toBe(202);
  });

  it('forgets a refused key: after the holder ends, the same key starts the run', async () => {
    await leases.take({ targetName: 'analytics', version: 3, runId: 'holder-2' });
    expect((await call(post(BACKFILL, { 'Idempotency-Key': 'after-holder' }))).status).toBe(409);
    await leases.release({ targetName: 'analytics', version: 3, runId: 'holder-2' });
    const res = await call(post(BACKFILL, { 'Idempotency-Key': 'after-holder' }));
    expect(res.status).toBe(202);
    expect(res.body.runId).toBe(runIdForKey('after-holder'));
  });

  it('the key run itself holding the lease is no conflict (a repeat while it runs)', async () => {
    const first = await call(post(BACKFILL, { 'Idempotency-Key': 'mine' }));
    await leases.take({ targetName: 'analytics', version: 3, runId: String(first.body.runId) }); // its Plan took it
    expect(await call(post(BACKFILL, { 'Idempotency-Key': 'mine' }))).toEqual(first);
  });

  it('refuses POST /runs/{id}/retry with 409 while another run holds its target and version', async () => {
    await store.createRun(newRun('partial-1', { targetName: 'analytics', windowCount: 2, batchSize: 2, windowsOnDemand: true }));
    const [w] = hourlyPlan(1);
    await store.claimWindow('partial-1', w!.start, 'worker', { leaseMs: 60_000, allow: ['pending'], window: { end: w!.end, batch: 0 } });
    await store.failWindow('partial-1', w!.start, 'worker', { error: new Error('boom'), durationMs: 1 });
    await leases.take({ targetName: 'analytics', version: 3, runId: 'holder-3' });
    const res = await call({ httpMethod: 'POST', resource: '/runs/{id}/retry', pathParameters: { id: 'partial-1' }, body: null });
    expect(res.status).toBe(409);
    expect(res.body.holderRunId).toBe('holder-3');
    expect(sfn.sent).toEqual([]);
    await leases.release({ targetName: 'analytics', version: 3, runId: 'holder-3' });
    expect((await call({ httpMethod: 'POST', resource: '/runs/{id}/retry', pathParameters: { id: 'partial-1' }, body: null })).status).toBe(202);
  });
});
