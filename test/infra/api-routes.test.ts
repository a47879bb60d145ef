// The HTTP API's routing and validation against a real state store (dynalite) and a stub of
// the Step Functions client at the SDK level (no local Step Functions API exists). The stub
// keeps Step Functions' documented naming rules: a name is never reused, except that the same
// name with identical input while RUNNING returns the running execution.
import { ExecutionAlreadyExists, ExecutionDoesNotExist, InvalidArn, ListExecutionsCommand, ListMapRunsCommand, ResourceNotFound, StartExecutionCommand, UpdateMapRunCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { handleApiRequest, type ApiDeps } from '../../functions/handlers/api-routes.js';
import type { ApiRequest } from '../../functions/handlers/api-http.js';
import { startDynamoFixture, type DynamoFixture } from '../state/dynamo-fixture.js';
import { hourlyPlan, newRun, seedPartialRun as seedPartialRunIn } from '../state/run-fixture.js';

const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Runs';

class FakeStepFunctions {
  readonly executions = new Map<string, { input: string; status: 'RUNNING' | 'SUCCEEDED' }>();
  readonly sent: string[] = [];
  async send(command: unknown): Promise<unknown> {
    if (command instanceof StartExecutionCommand) {
      const { name = '', input = '', stateMachineArn } = command.input;
      this.sent.push(`start ${name}`);
      expect(stateMachineArn).toBe(SM);
      const arn = `${SM.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = this.executions.get(name);
      if (existing && !(existing.status === 'RUNNING' && existing.input === input)) throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${arn}'`, $metadata: {} });
      if (!existing) this.executions.set(name, { input, status: 'RUNNING' });
      return { executionArn: arn, startDate: new Date() };
    }
    if (command instanceof ListExecutionsCommand) {
      this.sent.push('list');
      const running = [...this.executions].filter(([, e]) => e.status === 'RUNNING');
      return { executions: running.map(([name]) => ({ name, executionArn: `${SM}:${name}`, status: 'RUNNING' })) };
    }
    if (command instanceof ListMapRunsCommand) {
      // ListMapRuns: ExecutionDoesNotExist for an unknown execution, InvalidArn for a malformed one.
      const { executionArn = '' } = command.input;
      if (!executionArn.startsWith(`${SM.replace(':stateMachine:', ':execution:')}:`)) throw new InvalidArn({ message: `Invalid Arn: '${executionArn}'`, $metadata: {} });
      const name = executionArn.split(':').pop()!;
      if (!this.executions.has(name)) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${executionArn}'`, $metadata: {} });
      this.sent.push(`list-map-runs ${name}`);
      return { mapRuns: (this.mapRuns.get(name) ?? []).map((mapRunArn) => ({ mapRunArn, executionArn })) };
    }
    if (command instanceof UpdateMapRunCommand) {
      // UpdateMapRun: ResourceNotFound for an unknown map run; maxConcurrency is 0…MAX_INT.
      const { mapRunArn = '', maxConcurrency } = command.input;
      if (![...this.mapRuns.values()].flat().includes(mapRunArn)) throw new ResourceNotFound({ message: `Resource not found: '${mapRunArn}'`, $metadata: {} });
      expect(Number.isInteger(maxConcurrency) && maxConcurrency! >= 0).toBe(true);
      this.sent.push(`update-map-run ${mapRunArn.split(':').pop()} ${maxConcurrency}`);
      return {};
    }
    throw new Error(`unexpected command ${String(command)}`);
  }
  readonly mapRuns = new Map<string, string[]>();
  inputOf(name: string): unknown {
    return JSON.parse(this.executions.get(name)?.input ?? 'null');
  }
}

let fx: DynamoFixture;
let store: RunStore;
let sfn: FakeStepFunctions;
let deps: ApiDeps;

beforeAll(async () => {
  fx = await startDynamoFixture();
});
afterAll(async () => {
  await fx?.close();
});
beforeEach(async () => {
  store = new RunStore(fx.doc, await fx.freshTable());
  sfn = new FakeStepFunctions();
  deps = { runs: store, sfn: sfn as unknown as Pick<SFNClient, 'send'>, stateMachineArn: SM, targets: ['analytics'], now: () => new Date('2024-03-01T12:00:00Z') };
});

function request(httpMethod: string, resource: string, opts: { id?: string; body?: unknown; query?: Record<string, string> } = {}): ApiRequest {
  return {
    httpMethod,
    resource,
    pathParameters: opts.id === undefined ? null : { id: opts.id },
    queryStringParameters: opts.query ?? null,
    body: opts.body === undefined ? null : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  };
}

async function call(req: ApiRequest): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await handleApiRequest(req, deps);
  expect(res.headers['content-type']).toBe('application/json');
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
}

const seedPartialRun = (runId: string) => seedPartialRunIn(store, runId);

describe('POST /runs', () => {
  it('starts an execution with the validated input, named by a new run id', async () => {
    const body = { action: 'backfill', target: 'analytics', version: 3, from: '2024-01-01T00:00:00Z', to: '2024-01-02T00:00:00Z', concurrency: 8 };
    const res = await call(request('POST', '/runs', { body }));
    expect(res.status).toBe(202);
    expect(res.body.runId).toMatch(/^backfill-20240301T120000Z-[0-9a-f]{6}$/);
    expect(res.body.executionName).toBe(res.body.runId);
    expect(res.body.executionArn).toBe(`arn:aws:states:eu-west-1:123456789012:execution:Runs:${String(res.body.runId)}`);
    expect(sfn.sent).toEqual([`start ${String(res.body.runId)}`]);
    expect(sfn.inputOf(String(res.body.runId))).toEqual(body);
  });

  it('uses a given run id as the execution name; the same request twice starts one execution', async () => {
    const body = { action: 'backfill', target: 'analytics', version: 3, runId: 'spanid-2024' };
    const first = await call(request('POST', '/runs', { body }));
    const second = await call(request('POST', '/runs', { body }));
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body.executionArn).toBe(first.body.executionArn);
    expect([...sfn.executions.keys()]).toEqual(['spanid-2024']);
  });

  it('refuses a run id that already exists with 409', async () => {
    await seedPartialRun('taken');
    const res = await call(request('POST', '/runs', { body: { action: 'backfill', target: 'analytics', version: 3, runId: 'taken' } }));
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('run taken already exists: re-run its failed windows with POST /runs/taken/retry');
    expect(sfn.sent).toEqual([]);
  });

  it.each([
    [null, 'request body is required: a JSON object'],
    ['{"action": "apply",', 'request body is not valid JSON'],
    [[1, 2], 'input must be a JSON object'],
    [{ action: 'apply', target: 'analytics', extra: 1 }, 'unknown input field "extra"'],
    [{ action: 'drop', target: 'analytics' }, '"action" must be one of apply, backfill, retry, resume, verify, revert'],
    [{ action: 'apply', target: "analytics'; DROP TABLE runs; --" }, '"target" must be a target name'],
    [{ action: 'apply', target: '../etc/passwd' }, '"target" must be a target name'],
    [{ action: 'backfill', target: 'analytics', version: 3, runId: '../x' }, '"runId" must be letters, digits'],
    [{ action: 'backfill', target: 'analytics' }, '"version" is required for backfill'],
    [{ action: 'apply', target: 'analytics', concurrency: 0 }, '"concurrency" must be a whole number from 1 to 64'],
    [{ action: 'apply', target: 'analytics', concurrency: '4' }, '"concurrency" must be a whole number from 1 to 64'],
    [{ action: 'backfill', target: 'analytics', version: 3, from: 'yesterday' }, '"from":'],
    [{ action: 'apply', target: 'billing' }, 'unknown target "billing" (configured: analytics)'],
  ])('answers 400 with one clear line for %j', async (body, message) => {
    const res = await call(request('POST', '/runs', { body: body === null ? undefined : body }));
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toContain(message);
    expect(String(res.body.error)).not.toContain('\n');
    expect(sfn.sent).toEqual([]);
  });
});

describe('POST /runs/revert', () => {
  const revert = { action: 'revert', target: 'analytics', version: 2 };

  it('POST /runs refuses a revert with 400 pointing to /runs/revert, whatever the stage allows', async () => {
    for (const allowRevert of [false, true]) {
      deps.allowRevert = allowRevert;
      const res = await call(request('POST', '/runs', { body: revert }));
      expect(res).toEqual({ status: 400, body: { error: 'revert is not started with POST /runs: use POST /runs/revert (its own resource, so IAM can tell a revert from a backfill)' } });
    }
    expect(sfn.sent).toEqual([]);
  });

  it('403 with one line while the stage does not allow it (the default), before the body is read', async () => {
    for (const body of [revert, { target: 'analytics' }, '{not json']) {
      const res = await call(request('POST', '/runs/revert', { body }));
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("revert is not allowed through this stage's API: set the stage's api.allowRevert to true (and allow POST /runs/revert in the caller's IAM policy), or revert with the CLI");
    }
    expect(sfn.sent).toEqual([]);
  });

  it('202 where the stage allows it: the action is implied, the input is the validated revert', async () => {
    deps.allowRevert = true;
    const res = await call(request('POST', '/runs/revert', { body: { target: 'analytics', version: 2 } }));
    expect(res.status).toBe(202);
    expect(res.body.runId).toMatch(/^revert-20240301T120000Z-[0-9a-f]{6}$/);
    expect(sfn.inputOf(String(res.body.runId))).toEqual(revert);
    const explicit = await call(request('POST', '/runs/revert', { body: { ...revert, runId: 'revert-to-2' } }));
    expect(explicit.status).toBe(202);
    expect(sfn.inputOf('revert-to-2')).toEqual({ ...revert, runId: 'revert-to-2' });
  });

  it.each([
    [{ action: 'backfill', target: 'analytics', version: 3 }, 'POST /runs/revert starts a revert: "action" must be revert or absent, got "backfill" (other actions: POST /runs)'],
    [{ target: 'billing' }, 'unknown target "billing" (configured: analytics)'],
    [{ target: 'analytics', force: true }, 'unknown input field "force"'],
  ])('400 for %j where allowed, and starts nothing', async (body, message) => {
    deps.allowRevert = true;
    const res = await call(request('POST', '/runs/revert', { body }));
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toContain(message);
    expect(sfn.sent).toEqual([]);
  });
});

describe('GET /runs/{id} and /runs/{id}/windows', () => {
  it('returns the run with its window counts', async () => {
    await seedPartialRun('run-1');
    const res = await call(request('GET', '/runs/{id}', { id: 'run-1' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ runId: 'run-1', windowCount: 6, counts: { pending: 0, running: 0, succeeded: 4, failed: 2 }, rowsWritten: 40 });
    expect(res.body).not.toHaveProperty('pk');
  });

  it.each(['../x', "'; DROP TABLE runs; --", 'a'.repeat(81), 'RUN#1', '-x'])('answers 400 for the run id %j', async (id) => {
    for (const resource of ['/runs/{id}', '/runs/{id}/windows', '/runs/{id}/retry']) {
      const res = await call(request(resource.endsWith('retry') ? 'POST' : 'GET', resource, { id }));
      expect(res.status, resource).toBe(400);
      expect(String(res.body.error)).toMatch(/^invalid run id /);
    }
    expect(sfn.sent).toEqual([]);
  });

  it('answers 404 for an unknown run', async () => {
    for (const resource of ['/runs/{id}', '/runs/{id}/windows']) {
      const res = await call(request('GET', resource, { id: 'nope' }));
      expect(res).toEqual({ status: 404, body: { error: 'run nope not found' } });
    }
  });

  it('filters windows by status and pages by window start', async () => {
    await seedPartialRun('run-2');
    const failed = await call(request('GET', '/runs/{id}/windows', { id: 'run-2', query: { status: 'failed' } }));
    expect(failed.status).toBe(200);
    expect((failed.body.windows as { start: string; status: string; lastError: string }[]).map((w) => [w.start, w.status, w.lastError])).toEqual([
      ['2024-01-01T01:00:00.000Z', 'failed', 'boom'],
      ['2024-01-01T04:00:00.000Z', 'failed', 'boom'],
    ]);
    const page1 = await call(request('GET', '/runs/{id}/windows', { id: 'run-2', query: { limit: '4' } }));
    expect(page1.body.count).toBe(4);
    expect(page1.body.next).toBe('2024-01-01T03:00:00.000Z');
    const page2 = await call(request('GET', '/runs/{id}/windows', { id: 'run-2', query: { limit: '4', after: String(page1.body.next) } }));
    expect((page2.body.windows as { start: string }[]).map((w) => w.start)).toEqual(['2024-01-01T04:00:00.000Z', '2024-01-01T05:00:00.000Z']);
    expect(page2.body).not.toHaveProperty('next');
  });

  it.each([
    [{ status: 'broken' }, '"status" must be one of pending, running, succeeded, failed'],
    [{ status: "failed' OR 1=1" }, '"status" must be one of'],
    [{ limit: '0' }, '"limit" must be a whole number from 1 to 1000'],
    [{ limit: '1e3' }, '"limit" must be a whole number'],
    [{ after: 'yesterday' }, '"after" must be a UTC instant'],
  ])('answers 400 for the query %j', async (query, message) => {
    await seedPartialRun('run-3');
    const res = await call(request('GET', '/runs/{id}/windows', { id: 'run-3', query }));
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toContain(message);
  });
});

describe('POST /runs/{id}/retry', () => {
  it('starts one execution that re-runs only the failed windows, and refuses a second while it runs', async () => {
    await seedPartialRun('run-4');
    const first = await call(request('POST', '/runs/{id}/retry', { id: 'run-4' }));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ runId: 'run-4', windows: 2 });
    const name = String(first.body.executionName);
    expect(name).toMatch(/^retry-run-4-[0-9a-f]{16}$/);
    expect(sfn.inputOf(name)).toEqual({ action: 'retry', target: 'analytics', runId: 'run-4' });

    const second = await call(request('POST', '/runs/{id}/retry', { id: 'run-4' }));
    expect(second.status).toBe(409);
    expect(second.body).toEqual({ error: 'a retry of run run-4 is already running', executionArn: `${SM}:${name}` });
    expect(sfn.executions.size).toBe(1);
  });

  it('names the execution after the failed windows: same windows, same name; changed windows, new execution', async () => {
    await seedPartialRun('run-5');
    const first = await call(request('POST', '/runs/{id}/retry', { id: 'run-5', body: { concurrency: 2 } }));
    const name = String(first.body.executionName);
    expect(sfn.inputOf(name)).toEqual({ action: 'retry', target: 'analytics', runId: 'run-5', concurrency: 2 });
    sfn.executions.get(name)!.status = 'SUCCEEDED';
    // Finished, but the same windows still failed: the same name again → Step Functions refuses it.
    const again = await call(request('POST', '/runs/{id}/retry', { id: 'run-5', body: { concurrency: 2 } }));
    expect(again.status).toBe(409);
    expect(again.body.error).toBe(`execution ${name} already exists (execution names are never reused)`);
    // One window is retried and fails again (attempts changed): a genuinely new retry.
    const start = '2024-01-01T01:00:00.000Z';
    await store.claimWindow('run-5', start, 'worker-2', { leaseMs: 60_000, allow: ['failed'] });
    await store.failWindow('run-5', start, 'worker-2', { error: new Error('boom again'), durationMs: 5 });
    const next = await call(request('POST', '/runs/{id}/retry', { id: 'run-5' }));
    expect(next.status).toBe(202);
    expect(next.body.executionName).not.toBe(name);
    expect(sfn.executions.size).toBe(2);
  });

  it('POST /runs with action retry goes through the same idempotent path', async () => {
    await seedPartialRun('run-6');
    const viaRuns = await call(request('POST', '/runs', { body: { action: 'retry', target: 'analytics', runId: 'run-6' } }));
    expect(viaRuns.status).toBe(202);
    expect(String(viaRuns.body.executionName)).toMatch(/^retry-run-6-/);
    const viaRetry = await call(request('POST', '/runs/{id}/retry', { id: 'run-6' }));
    expect(viaRetry.status).toBe(409);
    expect(sfn.executions.size).toBe(1);
  });

  it('answers 409 when nothing failed, 404 for an unknown run, 400 for a bad body', async () => {
    await store.createRun(newRun('clean', { windowCount: 1 }));
    await store.putWindows('clean', hourlyPlan(1));
    expect((await call(request('POST', '/runs/{id}/retry', { id: 'clean' }))).body.error).toBe('run clean has no failed windows to retry');
    expect(await call(request('POST', '/runs/{id}/retry', { id: 'ghost' }))).toEqual({ status: 404, body: { error: 'run ghost not found' } });
    await seedPartialRun('run-7');
    const bad = await call(request('POST', '/runs/{id}/retry', { id: 'run-7', body: { concurrency: 2, action: 'apply' } }));
    expect(bad).toEqual({ status: 400, body: { error: 'unknown retry field "action" (known: target, concurrency, toleratedFailurePercentage)' } });
    const badConcurrency = await call(request('POST', '/runs/{id}/retry', { id: 'run-7', body: { concurrency: 1000 } }));
    expect(badConcurrency.status).toBe(400);
    expect(sfn.sent.filter((s) => s.startsWith('start'))).toEqual([]);
  });

  it('needs the target when several are configured and the run does not record one', async () => {
    deps = { ...deps, targets: ['analytics', 'observability'] };
    await seedPartialRun('run-8');
    const res = await call(request('POST', '/runs/{id}/retry', { id: 'run-8' }));
    expect(res).toEqual({ status: 400, body: { error: 'run run-8 does not record its target name: pass {"target": "<name>"} (configured: analytics, observability)' } });
    const ok = await call(request('POST', '/runs/{id}/retry', { id: 'run-8', body: { target: 'observability' } }));
    expect(ok.status).toBe(202);
    expect(sfn.inputOf(String(ok.body.executionName))).toMatchObject({ target: 'observability' });
  });
});

describe('POST /runs/{id}/resume', () => {
  /** Six windows: 0 succeeded, 1 failed, 2 pending, 3 running under a dead lease, 4 running under a live one, 5 succeeded. */
  async function seedStrandedRun(runId: string): Promise<void> {
    await store.createRun(newRun(runId, { windowCount: 6, batchSize: 3 }));
    const plan = hourlyPlan(6, undefined, 3);
    await store.putWindows(runId, plan);
    const nowMs = deps.now!().getTime();
    const claim = (i: number, owner: string, leaseMs = 60_000) => store.claimWindow(runId, plan[i]!.start, owner, { leaseMs, allow: ['pending'], now: nowMs });
    for (const i of [0, 5]) {
      await claim(i, 'w');
      await store.completeWindow(runId, plan[i]!.start, 'w', { rows: 1, durationMs: 1 });
    }
    await claim(1, 'w');
    await store.failWindow(runId, plan[1]!.start, 'w', { error: new Error('boom'), durationMs: 1 });
    // Window 3's lease ran out a minute before `now`; window 4's runs for another minute.
    expect(await store.claimWindow(runId, plan[3]!.start, 'dead', { leaseMs: 60_000, allow: ['pending'], now: nowMs - 120_000 })).not.toBeNull();
    await claim(4, 'alive');
  }

  it('starts one execution for the pending, failed and expired windows; the same request again is refused while it runs', async () => {
    await seedStrandedRun('stranded');
    const first = await call(request('POST', '/runs/{id}/resume', { id: 'stranded' }));
    expect(first.status).toBe(202);
    // 1 failed, 2 pending, 3 expired: not 4 (a live lease) nor the succeeded ones.
    expect(first.body).toMatchObject({ runId: 'stranded', windows: 3 });
    const name = String(first.body.executionName);
    expect(name).toMatch(/^resume-stranded-[0-9a-f]{16}$/);
    expect(sfn.inputOf(name)).toEqual({ action: 'resume', target: 'analytics', runId: 'stranded' });
    const second = await call(request('POST', '/runs/{id}/resume', { id: 'stranded' }));
    expect(second).toEqual({ status: 409, body: { error: 'a resume of run stranded is already running', executionArn: `${SM}:${name}` } });
    // A retry is another action: it is not blocked by the resume (it has failed windows of its own).
    expect((await call(request('POST', '/runs/{id}/retry', { id: 'stranded' }))).status).toBe(202);
  });

  it('is idempotent on its fingerprint: the same windows name the same execution, changed windows a new one', async () => {
    await seedStrandedRun('fp');
    const first = await call(request('POST', '/runs', { body: { action: 'resume', target: 'analytics', runId: 'fp', toleratedFailurePercentage: 25 } }));
    expect(first.status).toBe(202);
    const name = String(first.body.executionName);
    expect(sfn.inputOf(name)).toEqual({ action: 'resume', target: 'analytics', runId: 'fp', toleratedFailurePercentage: 25 });
    sfn.executions.get(name)!.status = 'SUCCEEDED';
    const again = await call(request('POST', '/runs/{id}/resume', { id: 'fp', body: { toleratedFailurePercentage: 25 } }));
    expect(again.status).toBe(409);
    expect(again.body.error).toBe(`execution ${name} already exists (execution names are never reused)`);
    // One of its windows runs (attempts change): a new resume.
    const start = '2024-01-01T02:00:00.000Z';
    await store.claimWindow('fp', start, 'worker-2', { leaseMs: 60_000, allow: ['pending'] });
    await store.failWindow('fp', start, 'worker-2', { error: new Error('again'), durationMs: 1 });
    const next = await call(request('POST', '/runs/{id}/resume', { id: 'fp' }));
    expect(next.status).toBe(202);
    expect(next.body.executionName).not.toBe(name);
  });

  it('answers 409 when every window is done or live, 404 for an unknown run, 400 for a bad body', async () => {
    await store.createRun(newRun('done', { windowCount: 2 }));
    const plan = hourlyPlan(2);
    await store.putWindows('done', plan);
    await store.claimWindow('done', plan[0]!.start, 'w', { leaseMs: 60_000, allow: ['pending'] });
    await store.completeWindow('done', plan[0]!.start, 'w', { rows: 1, durationMs: 1 });
    await store.claimWindow('done', plan[1]!.start, 'alive', { leaseMs: 60_000, allow: ['pending'], now: deps.now!().getTime() });
    const none = await call(request('POST', '/runs/{id}/resume', { id: 'done' }));
    expect(none.status).toBe(409);
    expect(none.body.error).toBe('run done has no windows to resume: every window succeeded or is held by a live worker');
    expect(await call(request('POST', '/runs/{id}/resume', { id: 'ghost' }))).toEqual({ status: 404, body: { error: 'run ghost not found' } });
    await seedStrandedRun('bad');
    expect(await call(request('POST', '/runs/{id}/resume', { id: 'bad', body: { version: 3 } }))).toEqual({ status: 400, body: { error: 'unknown resume field "version" (known: target, concurrency, toleratedFailurePercentage)' } });
    expect(await call(request('POST', '/runs/{id}/resume', { id: 'bad', body: { toleratedFailurePercentage: 101 } }))).toEqual({ status: 400, body: { error: '"toleratedFailurePercentage" must be a number from 0 to 100' } });
    expect(await call(request('POST', '/runs', { body: { action: 'resume', target: 'analytics' } }))).toEqual({ status: 400, body: { error: '"runId" is required for resume' } });
    expect(sfn.sent.filter((s) => s.startsWith('start'))).toEqual([]);
  });
});

describe('routing', () => {
  it('answers 404 for an unknown resource and 405 for a wrong method', async () => {
    expect(await call(request('GET', '/admin'))).toEqual({ status: 404, body: { error: 'no such resource /admin' } });
    expect(await call(request('DELETE', '/runs/{id}', { id: 'x' }))).toEqual({ status: 405, body: { error: 'DELETE is not allowed on /runs/{id} (allowed: GET)' } });
    expect(await call(request('GET', '/constructor'))).toMatchObject({ status: 404 });
  });
});

describe('GET /runs/{id}/report', () => {
  it('answers the HTML report of the run: its cells, counts and errors, with a CSP that loads nothing', async () => {
    await seedPartialRun('run-report');
    const res = await handleApiRequest(request('GET', '/runs/{id}/report', { id: 'run-report' }), deps);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'/);
    expect(res.body).toMatch(/^<!doctype html>/);
    expect(res.body.match(/data-status="failed"/g)).toHaveLength(2);
    expect(res.body.match(/data-status="succeeded"/g)).toHaveLength(4);
    expect(res.body).toContain('<h2 id="failed-h">Failed windows (2)</h2>');
    expect(res.body).toContain('<td class="error">boom</td>');
  });

  it('answers 413 with one line for a run over REPORT_MAX_WINDOWS (87,600 hours), from its record, before reading a window', async () => {
    await store.createRun(newRun('run-decade', { windowCount: 87_600 }));
    let windowReads = 0;
    const counting = new Proxy(store, { get: (target, prop, receiver) => (prop === 'listWindows' ? (...args: unknown[]) => (windowReads++, (target.listWindows as (...a: unknown[]) => unknown).apply(target, args)) : Reflect.get(target, prop, receiver)) });
    const res = await handleApiRequest(request('GET', '/runs/{id}/report', { id: 'run-decade' }), { ...deps, runs: counting });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({ error: 'the report of run run-decade is too large for the API (87600 windows, at most 8760): page its windows with GET /runs/run-decade/windows, or render it with the CLI: hourglass report run-decade --out report.html' });
    expect(windowReads).toBe(0);
  });

  it('answers 404 for an unknown run and 400 for a bad id, as JSON', async () => {
    expect(await call(request('GET', '/runs/{id}/report', { id: 'nope' }))).toEqual({ status: 404, body: { error: 'run nope not found' } });
    expect((await call(request('GET', '/runs/{id}/report', { id: 'a b' }))).status).toBe(400);
  });
});

describe('POST /runs/{id}/pause, /unpause, /throttle', () => {
  const as = (arn: string) => ({ requestContext: { identity: { userArn: arn, caller: 'AIDAEXAMPLE' } } });

  it('pause and unpause write the valve with the IAM caller who changed it', async () => {
    await seedPartialRun('run-valve');
    const paused = await call({ ...request('POST', '/runs/{id}/pause', { id: 'run-valve' }), ...as('arn:aws:iam::123456789012:user/ops-anna') });
    expect(paused).toEqual({ status: 200, body: { runId: 'run-valve', status: 'planned', valve: { paused: true, changedBy: 'arn:aws:iam::123456789012:user/ops-anna', changedAt: '2024-03-01T12:00:00.000Z' } } });
    expect((await store.getRun('run-valve'))!.valve).toMatchObject({ paused: true });
    const unpaused = await call({ ...request('POST', '/runs/{id}/unpause', { id: 'run-valve' }), ...as('arn:aws:sts::123456789012:assumed-role/ops/bob') });
    expect(unpaused.body.valve).toEqual({ paused: false, changedBy: 'arn:aws:sts::123456789012:assumed-role/ops/bob', changedAt: '2024-03-01T12:00:00.000Z' });
    expect(sfn.sent).toEqual([]);
  });

  it('throttle sets the run record and the Map run of its execution (UpdateMapRun)', async () => {
    await seedPartialRun('run-throttle');
    sfn.executions.set('run-throttle', { input: '{}', status: 'RUNNING' });
    sfn.mapRuns.set('run-throttle', [`${SM.replace(':stateMachine:', ':mapRun:')}/BackfillWindows:abc123`]);
    const res = await call({ ...request('POST', '/runs/{id}/throttle', { id: 'run-throttle', body: { concurrency: 2 } }), ...as('arn:aws:iam::123456789012:user/ops-anna') });
    expect(res.status).toBe(200);
    expect(res.body.valve).toMatchObject({ paused: false, concurrency: 2, changedBy: 'arn:aws:iam::123456789012:user/ops-anna' });
    expect(res.body.mapRuns).toEqual([`${SM.replace(':stateMachine:', ':mapRun:')}/BackfillWindows:abc123`]);
    expect(sfn.sent).toEqual(['list-map-runs run-throttle', 'update-map-run abc123 2']);
    expect((await store.getRun('run-throttle'))!.valve?.concurrency).toBe(2);
  });

  it('throttle of a run with no execution (planned by the CLI) sets only the record', async () => {
    await seedPartialRun('run-local');
    const res = await call(request('POST', '/runs/{id}/throttle', { id: 'run-local', body: { concurrency: 1 } }));
    expect(res.body).toMatchObject({ valve: { concurrency: 1, changedBy: 'unknown IAM caller' }, mapRuns: [] });
  });

  it.each([
    [{}, 'invalid concurrency undefined'],
    [{ concurrency: 0 }, 'invalid concurrency 0'],
    [{ concurrency: 65 }, 'invalid concurrency 65'],
    [{ concurrency: '2' }, 'invalid concurrency "2"'],
    [{ concurrency: 2, paused: true }, 'unknown throttle field "paused"'],
  ])('throttle %j is refused with 400 and changes nothing', async (body, message) => {
    await seedPartialRun('run-bad-throttle');
    const res = await call(request('POST', '/runs/{id}/throttle', { id: 'run-bad-throttle', body }));
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toContain(message);
    expect((await store.getRun('run-bad-throttle'))!.valve).toBeUndefined();
  });

  it('answers 404 for an unknown run', async () => {
    expect(await call(request('POST', '/runs/{id}/pause', { id: 'nope' }))).toEqual({ status: 404, body: { error: 'run nope not found' } });
  });
});
