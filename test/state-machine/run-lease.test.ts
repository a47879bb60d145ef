// One run per target and version, Plan retried, pinned code: through the synthesized state
// machine run locally, on embedded ClickHouse and dynalite.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FinalizeOutput, StepEnvironment } from '../../functions/engine/service/types.js';
import { runLeases } from '../../functions/engine/service/run-lease-step.js';
import { runDefinitionLocally, type LocalExecution } from '../../functions/local/runner.js';
import * as applyHandler from '../../functions/handlers/apply.js';
import * as planHandler from '../../functions/handlers/plan.js';
import * as windowHandler from '../../functions/handlers/window.js';
import * as verifyHandler from '../../functions/handlers/verify.js';
import * as finalizeHandler from '../../functions/handlers/finalize.js';
import { FROM, TO, startHarness, type Harness } from './fixture.js';

let h: Harness;
const HOURS = (Date.parse(TO) - Date.parse(FROM)) / 3_600_000;
const BACKFILL = { action: 'backfill', target: 'local', version: 2 };

beforeAll(async () => {
  h = await startHarness();
  const setup = await h.execute({ action: 'apply', target: 'local', version: 2 }, 'setup-apply');
  expect(setup.status, JSON.stringify(setup.error)).toBe('SUCCEEDED');
});
afterAll(async () => h?.close());
beforeEach(async () => {
  await h.withDriver((d) => d.exec('TRUNCATE TABLE events_copy'));
});

const finalizeOf = (r: LocalExecution) => ((r.output ?? r.lastStateInput) as { finalize?: FinalizeOutput }).finalize;
const copiedRows = () => h.withDriver(async (d) => Number((await d.query<{ n: unknown }>('SELECT count() AS n FROM events_copy'))[0]!.n));

type Handler = (event: unknown) => Promise<unknown>;

/** The Tasks bound to the handlers' code in `env`, with some replaced (a gate, a fault). */
function handlers(env: StepEnvironment, overrides: Record<string, (env: StepEnvironment, event: unknown) => Promise<unknown>> = {}): Record<string, Handler> {
  const base: Record<string, (env: StepEnvironment, event: unknown) => Promise<unknown>> = {
    Apply: (e, event) => applyHandler.invoke(e, event as never),
    Plan: (e, event) => planHandler.invoke(e, event as never),
    RunWindowBatch: (e, event) => windowHandler.invoke(e, event),
    Verify: (e, event) => verifyHandler.invoke(e, event as never),
    Finalize: (e, event) => finalizeHandler.invoke(e, event as never),
  };
  return Object.fromEntries(Object.entries({ ...base, ...overrides }).map(([name, fn]) => [name, (event: unknown) => fn(env, event)]));
}

/** A second execution in its own environment (its own open drivers), on the same state and target. */
const sibling = (): StepEnvironment => ({ ...h.env, openTargets: new Map() });

describe('one run per target and version', () => {
  it('refuses a second backfill while the first holds the lease (RunRefused, the holder named), and allows it after the first ends', async () => {
    let enterMap!: () => void;
    const inMap = new Promise<void>((resolve) => (enterMap = resolve));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // The first run's batches wait at the gate: it holds the lease, planned and mid-Map.
    const first = runDefinitionLocally(h.definition, BACKFILL, h.env, {
      executionName: 'lease-first',
      taskHandlers: handlers(h.env, { RunWindowBatch: async (env, event) => (enterMap(), await gate, windowHandler.invoke(env, event)) }),
    });
    await inMap;
    expect(await runLeases(h.env).holder('local', 2)).toMatchObject({ runId: 'lease-first' });

    const second = await runDefinitionLocally(h.definition, BACKFILL, sibling(), { executionName: 'lease-second' });
    open();
    const firstResult = await first;

    expect(second.status).toBe('FAILED');
    expect(second.error?.name).toBe('RunLeaseHeldError');
    expect(second.error?.cause).toMatch(/^a backfill of migration 2 on target local is already running as run lease-first \(lease until [^)]+\): /);
    expect(second.statesEntered).toContain('RunRefused');
    expect(second.statesEntered).not.toContain('Finalize'); // the holder's run is not this execution's to finalize
    expect(await h.env.runs.getRun('lease-second')).toBeNull();

    expect(firstResult.status, JSON.stringify(firstResult.error)).toBe('SUCCEEDED');
    expect(finalizeOf(firstResult)).toMatchObject({ status: 'succeeded', windows: { total: HOURS, succeeded: HOURS, failed: 0 }, rows: 2400 });
    expect(await runLeases(h.env).holder('local', 2)).toBeNull(); // released at Finalize

    await h.withDriver((d) => d.exec('TRUNCATE TABLE events_copy'));
    const third = await runDefinitionLocally(h.definition, BACKFILL, sibling(), { executionName: 'lease-third' });
    expect(third.status, JSON.stringify(third.error)).toBe('SUCCEEDED');
    expect(finalizeOf(third)).toMatchObject({ status: 'succeeded', rows: 2400 });
    expect(await copiedRows()).toBe(2400);
  });

  it('lets a run whose holder died take the lease once it has expired', async () => {
    const leases = runLeases(h.env);
    // A dead holder: its lease was written long ago and nobody renewed it.
    const stale = new (leases.constructor as typeof import('../../functions/engine/state/run-lease.js').RunLeases)(h.env.runs.doc, h.env.runs.tableName, { now: () => Date.now() - 3_600_000 });
    await stale.take({ targetName: 'local', version: 2, runId: 'lease-dead' });
    expect(await leases.holder('local', 2)).toBeNull();
    const r = await h.execute(BACKFILL, 'lease-after-dead');
    expect(r.status, JSON.stringify(r.error)).toBe('SUCCEEDED');
    expect(finalizeOf(r)).toMatchObject({ status: 'succeeded', rows: 2400 });
  });
});

describe('past the tolerance', () => {
  it("a run failing past its tolerance is finalized failed through the Map's Catch, releasing its run lease; resume finishes it", async () => {
    // AWS's Distributed Map fails with States.ExceedToleratedFailureThreshold once more batches
    // failed than the tolerance allows; the local Map has no tolerance and fails with its failed
    // child's error, so the last batch fails with that name, as the Map would report it.
    let lastBatch: number | undefined;
    let failing = true;
    const taskHandlers = handlers(h.env, {
      Plan: async (env, event) => {
        const plan = (await planHandler.invoke(env, event as never)) as { batches: number[] };
        lastBatch = plan.batches.at(-1);
        return plan;
      },
      RunWindowBatch: async (env, event) => {
        if (failing && (event as { batch: number }).batch === lastBatch) throw Object.assign(new Error('The specified tolerated failure threshold was exceeded (injected)'), { name: 'States.ExceedToleratedFailureThreshold' });
        return windowHandler.invoke(env, event);
      },
    });
    const input = { ...BACKFILL, concurrency: 1, toleratedFailurePercentage: 0 };
    const r = await runDefinitionLocally(h.definition, input, h.env, { executionName: 'past-tolerance', taskHandlers });
    expect(r.status).toBe('FAILED');
    expect(r.error?.name).toBe('RunFailed');
    expect(r.statesEntered).toContain('Finalize');
    expect(r.statesEntered).not.toContain('Verify');
    expect(r.lastState).toBe('RunFailed');
    expect(finalizeOf(r)).toMatchObject({ status: 'failed', runId: 'past-tolerance' });
    expect((r.lastStateInput as { error?: { Error: string } }).error?.Error).toBe('States.ExceedToleratedFailureThreshold');
    expect(await runLeases(h.env).holder('local', 2)).toBeNull(); // released by Finalize, not held until a redrive
    expect(await h.env.runs.getRun('past-tolerance')).toMatchObject({ status: 'failed' });

    failing = false;
    const resumed = await runDefinitionLocally(h.definition, { action: 'resume', runId: 'past-tolerance', target: 'local' }, h.env, { executionName: 'past-tolerance-resume', taskHandlers });
    expect(resumed.status, JSON.stringify(resumed.error)).toBe('SUCCEEDED');
    expect(finalizeOf(resumed)).toMatchObject({ status: 'succeeded', runId: 'past-tolerance', windows: { total: HOURS, succeeded: HOURS, failed: 0 }, rows: 2400 });
    expect(await copiedRows()).toBe(2400);
    expect(await runLeases(h.env).holder('local', 2)).toBeNull();
  });
});

describe('Plan, retried, continues', () => {
  it('the definition retries Plan on AWS service errors (DynamoDB throttling is one)', () => {
    const plan = (h.definition as { States: Record<string, { Retry?: { ErrorEquals: string[] }[] }> }).States.Plan;
    expect(plan.Retry?.flatMap((r) => r.ErrorEquals)).toContain('AwsServiceError');
  });

  it('a Plan whose run write landed but answered ProvisionedThroughputExceeded is retried by the state machine and continues its run', async () => {
    // Fault injection on the real store's client: the first run-record PutItem reaches dynalite,
    // then its answer is replaced by a throttle (outside the SDK's own retries), as when the
    // response is lost. The Retry on Plan runs it again; it meets its own run.
    const stack = h.env.runs.doc.middlewareStack;
    let injected = 0;
    let runPuts = 0; // one per Plan attempt: each records the run once
    stack.add(
      (next, context) => async (args) => {
        const isRunPut = context.commandName === 'PutItemCommand' && /"sk":(\{"S":)?"RUN"/.test(JSON.stringify(args.input));
        if (isRunPut) runPuts++;
        const out = await next(args);
        if (injected === 0 && isRunPut) {
          injected++;
          throw new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded (injected)', $metadata: {} });
        }
        return out;
      },
      { step: 'initialize', name: 'injectPlanThrottle' },
    );
    let r: LocalExecution;
    try {
      r = await h.execute(BACKFILL, 'plan-retried');
    } finally {
      stack.remove('injectPlanThrottle');
    }
    expect(injected).toBe(1);
    expect(runPuts).toBe(2); // Plan ran twice: the Retry (the local runner does not enter a retried state again)
    expect(r.status, JSON.stringify(r.error)).toBe('SUCCEEDED');
    expect(finalizeOf(r)).toMatchObject({ status: 'succeeded', runId: 'plan-retried', windows: { total: HOURS, succeeded: HOURS, failed: 0, pending: 0 }, rows: 2400 });
    expect(await copiedRows()).toBe(2400);
  });

  it('refuses the same run id with other parameters in one line, and leaves that run as it was', async () => {
    const first = await h.execute({ ...BACKFILL, runId: 'same-id' }, 'same-id-first');
    expect(first.status, JSON.stringify(first.error)).toBe('SUCCEEDED');
    const before = await h.env.runs.getRun('same-id');

    const other = await h.execute({ ...BACKFILL, runId: 'same-id', from: '2024-03-02T00:00:00Z' }, 'same-id-other');
    expect(other.status).toBe('FAILED');
    expect(other.error?.name).toBe('RunConflictError');
    expect(other.error?.cause).toMatch(/^run same-id already exists with other parameters \(migration 2, [^\n]*\): refused/);
    expect(other.statesEntered).not.toContain('Finalize');

    // Same parameters, another execution (a duplicate delivery naming the run): refused too.
    const again = await h.execute({ ...BACKFILL, runId: 'same-id' }, 'same-id-again');
    expect(again.error?.name).toBe('RunConflictError');
    expect(again.error?.cause).toContain('planned by execution same-id-first');
    expect(await h.env.runs.getRun('same-id')).toEqual(before);
    expect(await runLeases(h.env).holder('local', 2)).toBeNull(); // a refusal leaves no lease behind
  });
});

describe('pinned code', () => {
  it('a definition changed mid-run fails the next windows with one line and writes no rows', async () => {
    const { migrationsDir } = await h.env.resolveTarget('local');
    const file = join(migrationsDir, '0002_events_copy.backfill.sql');
    const original = readFileSync(file, 'utf8');
    // A deploy between Plan and the batches: the bundle's backfill differs from the planned one.
    const deploy = async (env: StepEnvironment, event: unknown) => {
      writeFileSync(file, original.replace('SELECT ts, id FROM events', 'SELECT ts, id + 1 FROM events'));
      return windowHandler.invoke(env, event);
    };
    // Restored before Verify (the file is part of migration 2's checksum, which Verify and the next Apply check).
    const restore = async (env: StepEnvironment, event: unknown) => (writeFileSync(file, original), verifyHandler.invoke(env, event as never));
    let r: LocalExecution;
    try {
      r = await runDefinitionLocally(h.definition, BACKFILL, h.env, { executionName: 'pinned', taskHandlers: handlers(h.env, { RunWindowBatch: deploy, Verify: restore }) });
    } finally {
      writeFileSync(file, original);
    }
    expect(finalizeOf(r)).toMatchObject({ status: 'failed', windows: { total: HOURS, succeeded: 0, failed: HOURS } });
    const windows = await h.env.runs.listWindows('pinned');
    const errors = new Set(windows.map((w) => w.lastError));
    expect(errors.size).toBe(1);
    expect([...errors][0]).toMatch(/^the backfill definition changed during run pinned \(planned [0-9a-f]{12}, this code [0-9a-f]{12}\): /);
    expect(windows.every((w) => w.status === 'failed' && w.rows === 0)).toBe(true);
    expect(await copiedRows()).toBe(0);
    expect((await h.env.runs.getRun('pinned'))?.definitionChecksum).toMatch(/^[0-9a-f]{64}$/);
  });
});
