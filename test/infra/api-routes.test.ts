// The HTTP API's routing and validation against a real state store (dynalite) and a stub of
// the Step Functions client at the SDK level (no local Step Functions API exists). The stub
// keeps Step Functions' documented naming rules: a name is never reused, except that the same
// name with identical input while RUNNING returns the running execution.
// Fixture: api-fixture.ts; retry and resume: api-repair-routes.test.ts.
import { describe, expect, it } from 'vitest';
import { handleApiRequest } from '../../functions/handlers/api-routes.js';
import { newRun } from '../state/run-fixture.js';
import { SM, call, deps, request, seedPartialRun, sfn, store, useApiHarness } from './api-fixture.js';

useApiHarness();

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
