import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { UsageError } from '../../functions/engine/errors.js';
import { startDynamoFixture, type DynamoFixture } from './dynamo-fixture.js';
import { hourlyPlan, newRun } from './run-fixture.js';

let fx: DynamoFixture;
beforeAll(async () => {
  fx = await startDynamoFixture();
});
afterAll(async () => {
  await fx?.close();
});

async function freshStore(): Promise<RunStore> {
  return new RunStore(fx.doc, await fx.freshTable());
}

describe('RunStore runs', () => {
  it('creates a run once and reads it back without table keys', async () => {
    const store = await freshStore();
    const created = await store.createRun(newRun('r-1', { target: 'postgres://app:s3cretpw@db:5432/app' }));
    expect(created.status).toBe('planned');
    const read = await store.getRun('r-1');
    expect(read).toEqual(created);
    expect(read).not.toHaveProperty('pk');
    expect(read?.target).toBe('postgres://app:***@db:5432/app'); // a password never reaches the store
    expect(read?.counts).toEqual({ pending: 0, running: 0, succeeded: 0, failed: 0 });
    expect(read?.rangeStart).toBe('2024-01-01T00:00:00.000Z');
    await expect(store.createRun(newRun('r-1'))).rejects.toThrow(new UsageError('run r-1 already exists'));
    expect(await store.getRun('r-2')).toBeNull();
  });

  it('rejects bad run ids with a UsageError before touching the table', async () => {
    const store = await freshStore();
    for (const bad of ['', '-leading-dash', 'has space', 'a/b', 'x'.repeat(81), 'RUN#1', 'ünï']) {
      const error = await store.createRun(newRun(bad)).catch((e: unknown) => e);
      expect(error, bad).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as UsageError).message).toMatch(/^invalid run id/);
      await expect(store.getRun(bad)).rejects.toBeInstanceOf(UsageError);
      await expect(store.listWindows(bad)).rejects.toBeInstanceOf(UsageError);
    }
    expect(await store.listRuns(100)).toEqual([]);
    await store.createRun(newRun('A1_b.c-' + 'x'.repeat(73))); // 80 chars, every allowed character
  });

  it('lists runs newest first, up to the limit', async () => {
    const store = await freshStore();
    const order = ['r-b', 'r-c', 'r-a', 'r-e', 'r-d'];
    // Created out of id order, with explicit times, so a sort by id or by insertion would differ.
    const times: Record<string, string> = { 'r-a': '2024-03-01', 'r-b': '2024-01-01', 'r-c': '2024-02-01', 'r-d': '2024-05-01', 'r-e': '2024-04-01' };
    for (const id of order) await store.createRun(newRun(id, { createdAt: new Date(`${times[id]}T00:00:00Z`) }));
    expect((await store.listRuns(10)).map((r) => r.runId)).toEqual(['r-d', 'r-e', 'r-a', 'r-c', 'r-b']);
    expect((await store.listRuns(2)).map((r) => r.runId)).toEqual(['r-d', 'r-e']);
    await expect(store.listRuns(0)).rejects.toBeInstanceOf(UsageError);
  });

  it('updates status and error, and refuses an unknown run', async () => {
    const store = await freshStore();
    await store.createRun(newRun('r-s'));
    const failed = await store.updateRunStatus('r-s', 'failed', { error: new Error('connect to postgres://u:hunter22@h/db refused\nstack…') });
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe('connect to postgres://u:***@h/db refused');
    const running = await store.updateRunStatus('r-s', 'running');
    expect(running.status).toBe('running');
    expect(running.error).toBeUndefined();
    expect(await store.getRun('r-s')).toEqual(running);
    await expect(store.updateRunStatus('nope', 'running')).rejects.toThrow(new UsageError('run nope does not exist'));
    await expect(store.updateRunStatus('r-s', 'bogus' as never)).rejects.toBeInstanceOf(UsageError);
  });
});

describe('RunStore.putWindows', () => {
  it('writes 1,000 windows and lists them all, sorted by start, filterable', async () => {
    const store = await freshStore();
    await store.createRun(newRun('big'));
    const plan = hourlyPlan(1000);
    // Hand the plan over shuffled: the order must come from the store, not from the input.
    const shuffled = [...plan].sort((a, b) => ((a.start.getTime() * 7919) % 1009) - ((b.start.getTime() * 7919) % 1009));
    expect(await store.putWindows('big', shuffled)).toBe(1000);
    const windows = await store.listWindows('big');
    expect(windows).toHaveLength(1000);
    expect(windows.map((w) => w.start)).toEqual(plan.map((w) => w.start.toISOString()));
    expect(windows.every((w) => w.status === 'pending' && w.attempts === 0 && w.runId === 'big')).toBe(true);
    expect(windows[999]).toMatchObject({ start: '2024-02-11T15:00:00.000Z', end: '2024-02-11T16:00:00.000Z', batch: 41 });
    const batch3 = await store.listWindows('big', { batch: 3 });
    expect(batch3.map((w) => w.start)).toEqual(plan.slice(72, 96).map((w) => w.start.toISOString()));
    expect(await store.listWindows('big', { status: 'failed' })).toEqual([]);
    const run = await store.getRun('big');
    expect(run?.counts).toEqual({ pending: 1000, running: 0, succeeded: 0, failed: 0 });
    expect(run?.windowCount).toBe(1000);
    expect(run?.plannedAt).toBeDefined();
  });

  it('plans a run once: a second putWindows never resets finished windows', async () => {
    const store = await freshStore();
    await store.createRun(newRun('once'));
    const plan = hourlyPlan(5);
    expect(await store.putWindows('once', plan)).toBe(5);
    const start = plan[2]!.start;
    expect(await store.claimWindow('once', start, 'w1', { leaseMs: 60_000, allow: ['pending'] })).not.toBeNull();
    expect(await store.completeWindow('once', start, 'w1', { rows: 7, durationMs: 3 })).toBe(true);
    expect(await store.putWindows('once', plan)).toBe(0);
    expect(await store.putWindows('once', hourlyPlan(9))).toBe(0);
    const windows = await store.listWindows('once');
    expect(windows).toHaveLength(5);
    expect(windows[2]).toMatchObject({ status: 'succeeded', rows: 7 });
    expect((await store.getRun('once'))?.counts).toEqual({ pending: 4, running: 0, succeeded: 1, failed: 0 });
  });

  it('rejects a bad plan or an unknown run without writing anything', async () => {
    const store = await freshStore();
    await store.createRun(newRun('bad-plan'));
    const plan = hourlyPlan(3);
    await expect(store.putWindows('bad-plan', [...plan, plan[1]!])).rejects.toThrow(/appears twice/);
    await expect(store.putWindows('bad-plan', [{ start: plan[1]!.end, end: plan[1]!.start, batch: 0 }])).rejects.toThrow(/before it starts/);
    await expect(store.putWindows('bad-plan', [{ ...plan[0]!, batch: 1.5 }])).rejects.toBeInstanceOf(UsageError);
    await expect(store.putWindows('bad-plan', [{ ...plan[0]!, start: new Date('nope') }])).rejects.toBeInstanceOf(UsageError);
    await expect(store.putWindows('ghost', plan)).rejects.toThrow(new UsageError('run ghost does not exist'));
    expect(await store.listWindows('bad-plan')).toEqual([]);
    expect((await store.getRun('bad-plan'))?.plannedAt).toBeUndefined();
  });
});
