// RedriveExecution of a failed run, as far as the local runner allows: the synthesized
// definition (its Map uncaught, tolerance from the input) on embedded ClickHouse and
// dynalite, driven through the local Step Functions endpoint by the real SFN client.
//
// What it shows: a Map that fails uncaught fails the execution AT the Map (no Finalize ran,
// the run is not closed), and a redrive continues there: the failed batch's
// windows run, Verify and Finalize follow, and no window of a batch that had finished runs
// again (every window ends with exactly one attempt). What it cannot show: that AWS re-runs
// only the failed Map children (aws-local-stepfunctions has no Map Runs; every item runs
// again and finds nothing to claim), and that a tolerance above the failures lets the Map
// succeed (the local Map fails on its first failed child, whatever the tolerance, with that
// child's error). In AWS a Map past its tolerance fails with States.ExceedToleratedFailureThreshold,
// which the Map's one Catch finalizes (run-lease.test.ts, "past the tolerance"); the failure here
// stands for the others — a Map Run that failed otherwise — and, like an aborted or timed-out
// execution, stays redrivable.
import { DescribeExecutionCommand, ExecutionDoesNotExist, ExecutionNotRedrivable, InvalidArn, RedriveExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { FinalizeOutput, PlanOutput } from '../../functions/engine/service/types.js';
import { startStepFunctionsEndpoint, type StepFunctionsEndpoint } from '../../functions/local/deployed/step-functions-endpoint.js';
import { redriveLocally } from '../../functions/local/redrive.js';
import { localTaskHandlers, runDefinitionLocally, type LocalExecution } from '../../functions/local/runner.js';
import { FROM, TO, startHarness, type Harness } from './fixture.js';

const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:Hourglass-Runs';
const HOURS = (Date.parse(TO) - Date.parse(FROM)) / 3_600_000;
let h: Harness;
let endpoint: StepFunctionsEndpoint;
let sfn: SFNClient;
const executions = new Map<string, LocalExecution>();
let lastBatch: number | undefined;
let unreachable = true;

beforeAll(async () => {
  h = await startHarness();
  const base = localTaskHandlers(h.env);
  const taskHandlers = {
    ...base,
    Plan: async (event: unknown) => {
      const plan = (await base.Plan!(event)) as PlanOutput;
      lastBatch = plan.batches.at(-1);
      return plan;
    },
    // Fault at the edge: the last batch cannot reach its target until the test says so.
    RunWindowBatch: async (event: unknown) => {
      if (unreachable && (event as { batch: number }).batch === lastBatch) throw new Error('target unreachable (injected)');
      return base.RunWindowBatch!(event);
    },
  };
  const remember = (r: LocalExecution) => (executions.set(r.executionName, r), r);
  endpoint = await startStepFunctionsEndpoint({
    stateMachineArn: SM,
    start: async (name, input) => remember(await runDefinitionLocally(h.definition, input, h.env, { executionName: name, taskHandlers })),
    redrive: async (name) => remember(await redriveLocally(h.definition, executions.get(name)!, h.env, { executionName: name, taskHandlers })),
  });
  sfn = new SFNClient({ endpoint: endpoint.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  sfn?.destroy();
  await endpoint?.settled();
  await endpoint?.close();
  await h?.close();
});

const describeRun = (executionArn: string) => sfn.send(new DescribeExecutionCommand({ executionArn }));
async function ended(executionArn: string, status: string): Promise<void> {
  const last = await vi.waitFor(async () => {
    const d = await describeRun(executionArn);
    expect(d.status).not.toBe('RUNNING');
    return d;
  }, { timeout: 300_000, interval: 250 });
  expect(last.status, `${last.error}: ${last.cause}`).toBe(status);
}

it('a batch failing uncaught (locally: whatever the tolerance) fails the execution at the Map; RedriveExecution finishes the run, running no finished window again', async () => {
  // Concurrency 1: the failing batch is the last, so no other batch is in flight when the Map fails.
  const input = { action: 'backfill', target: 'local', version: 2, concurrency: 1, toleratedFailurePercentage: 0 };
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: SM, name: 'redriven', input: JSON.stringify(input) }));
  await ended(executionArn!, 'FAILED');
  const failed = await describeRun(executionArn!);
  expect(failed).toMatchObject({ error: 'Error', cause: 'target unreachable (injected)', redriveStatus: 'REDRIVABLE', redriveCount: 0 });
  const first = executions.get('redriven')!;
  expect(first.lastState).toBe('BackfillWindows');
  expect(first.statesEntered).not.toContain('Finalize');
  // Not finalized: the run is still open, the failed batch's windows wait.
  const open = await h.env.runs.getRun('redriven');
  const plan = (first.lastStateInput as { plan: PlanOutput }).plan;
  expect(plan.toleratedFailurePercentage).toBe(0);
  const lastBatchWindows = HOURS - plan.batchSize * (plan.batches.length - 1);
  expect(open).toMatchObject({ counts: { succeeded: HOURS - lastBatchWindows, failed: 0 } });
  expect(['planned', 'running']).toContain(open!.status);
  expect(open!.counts.pending + open!.counts.running).toBe(lastBatchWindows);

  unreachable = false;
  const token = 'redrive-once';
  const { redriveDate } = await sfn.send(new RedriveExecutionCommand({ executionArn, clientToken: token }));
  // The same client token again answers the same, and redrives nothing more.
  expect((await sfn.send(new RedriveExecutionCommand({ executionArn, clientToken: token }))).redriveDate).toEqual(redriveDate);
  await ended(executionArn!, 'SUCCEEDED');
  const done = await describeRun(executionArn!);
  expect(done.redriveCount).toBe(1);
  const finalize = (JSON.parse(done.output!) as { finalize: FinalizeOutput }).finalize;
  expect(finalize).toMatchObject({ status: 'succeeded', runId: 'redriven', windows: { total: HOURS, succeeded: HOURS, failed: 0, pending: 0 }, rows: 2400 });
  // The redrive started at the Map: Apply and Plan ran once, in the first attempt.
  const history = executions.get('redriven')!.statesEntered;
  expect(history.filter((s) => s === 'Plan')).toHaveLength(1);
  expect(history.filter((s) => s === 'Apply')).toHaveLength(1);
  expect(history).toEqual(expect.arrayContaining(['Verify', 'Finalize', 'RunSucceeded']));
  // Each window ran exactly once across both attempts, and every row landed once.
  const windows = await h.env.runs.listWindows('redriven');
  expect(windows.map((w) => [w.status, w.attempts]).filter(([s, a]) => s !== 'succeeded' || a !== 1)).toEqual([]);
  const copied = await h.withDriver(async (d) => (await d.query<{ n: number; u: number }>('SELECT count() AS n, uniqExact(id) AS u FROM events_copy'))[0]);
  expect(copied).toEqual({ n: 2400, u: 2400 });

  // A succeeded execution is not redrivable; an unknown one does not exist; a state machine ARN is not an execution's.
  const again = await sfn.send(new RedriveExecutionCommand({ executionArn })).catch((e: unknown) => e);
  expect(again).toBeInstanceOf(ExecutionNotRedrivable);
  expect((again as Error).message).toContain('Execution is SUCCEEDED and cannot be redriven');
  await expect(sfn.send(new RedriveExecutionCommand({ executionArn: executionArn!.replace(/redriven$/, 'nope') }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  await expect(sfn.send(new RedriveExecutionCommand({ executionArn: SM }))).rejects.toBeInstanceOf(InvalidArn);
}, 600_000);
