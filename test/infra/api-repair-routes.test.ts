// POST /runs/{id}/retry and /resume through the API's routes: which windows they re-run, how
// their executions are named (the same request twice names the same execution), and what they
// refuse. Real state store (dynalite), Step Functions stub at the SDK level (api-fixture.ts).
import { describe, expect, it } from 'vitest';
import { hourlyPlan, newRun } from '../state/run-fixture.js';
import { SM, call, deps, request, seedPartialRun, sfn, store, useApiHarness } from './api-fixture.js';

useApiHarness();

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
    deps.targets = ['analytics', 'observability'];
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

