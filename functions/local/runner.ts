// Runs the state machine definition that CDK synthesizes, locally, with
// aws-local-stepfunctions: every Task state is bound by its name to the same handler
// module the Lambda runs (its `invoke(env, event)`), given a local StepEnvironment
// (dynalite, embedded engines). Nothing here re-states the flow: change the definition in
// infra/ and the local run changes with it.
import { TASK_HANDLERS, type TaskStateName } from '../../infra/state-names.js';
import { FUNCTION_TIMEOUT_SECONDS, TASK_FUNCTIONS } from '../../infra/function-timeouts.js';
import type { StepEnvironment } from '../engine/service/types.js';
import { closeTargets } from '../engine/service/steps.js';

// aws-local-stepfunctions 3.x uses Promise.withResolvers (Node 22+).
const promiseCtor = Promise as unknown as { withResolvers?: <T>() => { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } };
promiseCtor.withResolvers ??= <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** The Lambda context's clock, as the local runner gives it: a countdown from the function's timeout. */
interface InvocationClock {
  getRemainingTimeInMillis(): number;
}

type Invoke = (env: StepEnvironment, event: never, invocation: InvocationClock) => Promise<unknown>;

// Static imports keep the bundle self-contained; the map in infra/state-names.ts names the same files.
import * as applyHandler from '../handlers/apply.js';
import * as planHandler from '../handlers/plan.js';
import * as windowHandler from '../handlers/window.js';
import * as verifyHandler from '../handlers/verify.js';
import * as finalizeHandler from '../handlers/finalize.js';
import { stateMachineError } from '../handlers/observability.js';

const INVOKERS: Record<TaskStateName, Invoke> = {
  Apply: applyHandler.invoke as Invoke,
  Plan: planHandler.invoke as Invoke,
  RunWindowBatch: windowHandler.invoke as Invoke,
  Verify: verifyHandler.invoke as Invoke,
  Finalize: finalizeHandler.invoke as Invoke,
};

export interface LocalExecution {
  executionName: string;
  status: 'SUCCEEDED' | 'FAILED';
  output: unknown;
  error?: { name: string; cause: string };
  /** Every state entered, in order (Map children included). */
  statesEntered: string[];
  /** The state data as the last top-level state received it: on failure, what Finalize said and the caught error. */
  lastStateInput?: unknown;
  /** Most Map iterations of each state running at the same time (the Map's MaxConcurrency at work). */
  peakConcurrency: Record<string, number>;
}

export interface RunLocallyOptions {
  executionName: string;
  /** Task state → handler, instead of the source modules' invoke (e.g. the cdk.out bundles in the Lambda-like host). */
  taskHandlers?: Record<string, (event: unknown) => Promise<unknown>>;
  onStateEntered?: (name: string) => void;
  /**
   * --function-timeout: the longest function timeout becomes this, and every other one shrinks
   * in proportion; each invocation counts down from its function's. Default: the stack's own.
   */
  functionTimeoutMs?: number;
}

/** Each Task's timeout in ms: the stack's, scaled so the longest is `longestMs` when given. */
export function taskTimeoutsMs(longestMs?: number): Record<TaskStateName, number> {
  const seconds = Object.values(TASK_FUNCTIONS).map((fn) => FUNCTION_TIMEOUT_SECONDS[fn]);
  const scale = longestMs === undefined ? 1 : longestMs / (Math.max(...seconds) * 1000);
  return Object.fromEntries(Object.entries(TASK_FUNCTIONS).map(([task, fn]) => [task, FUNCTION_TIMEOUT_SECONDS[fn] * 1000 * scale])) as Record<TaskStateName, number>;
}

function countdown(timeoutMs: number): InvocationClock {
  const deadline = Date.now() + timeoutMs;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}

export async function runDefinitionLocally(definition: object, input: unknown, env: StepEnvironment, opts: RunLocallyOptions): Promise<LocalExecution> {
  const { StateMachine, ExecutionError } = await import('aws-local-stepfunctions');
  const timeouts = taskTimeoutsMs(opts.functionTimeoutMs);
  const handlers = opts.taskHandlers ?? Object.fromEntries(
    // Errors reach Retry/Catch named as lambdaHandler names them in AWS (an SDK error as AwsServiceError), so the same Retry matches here.
    Object.entries(INVOKERS).map(([name, invoke]) => [name, (event: unknown) => (invoke(env, event as never, countdown(timeouts[name as TaskStateName])) as Promise<never>).catch((error: unknown) => {
      throw stateMachineError(error);
    })]),
  );
  for (const name of Object.keys(TASK_HANDLERS)) if (!(name in handlers)) throw new Error(`no local binding for Task state ${name}`);
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as Record<string, (event: unknown) => Promise<never>>,
      // Backoff between retries is AWS's business; locally a retry happens at once.
      retryIntervalOverrides: Object.fromEntries(Object.keys(handlers).map((name) => [name, 0])),
    },
    context: { Execution: { Name: opts.executionName, Id: `local:${opts.executionName}`, StartTime: new Date().toISOString(), Input: input as never, RoleArn: 'arn:aws:iam::000000000000:role/local' } } as never,
  });
  const statesEntered: string[] = [];
  let lastStateInput: unknown;
  const running: Record<string, number> = {};
  const peakConcurrency: Record<string, number> = {};
  const logging = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') {
        statesEntered.push(event.state.name);
        if (event.index === undefined) lastStateInput = event.state.input;
        else {
          running[event.state.name] = (running[event.state.name] ?? 0) + 1;
          peakConcurrency[event.state.name] = Math.max(peakConcurrency[event.state.name] ?? 0, running[event.state.name]);
        }
        opts.onStateEntered?.(event.state.name);
      } else if ((event.type === 'StateExited' || event.type === 'StateFailed') && event.index !== undefined) {
        running[event.state.name] = (running[event.state.name] ?? 1) - 1;
      }
    }
  })();
  try {
    const output = await execution.result.finally(() => closeTargets(env));
    await logging;
    return { executionName: opts.executionName, status: 'SUCCEEDED', output, statesEntered, peakConcurrency };
  } catch (error) {
    await logging.catch(() => undefined);
    if (!(error instanceof ExecutionError)) throw error;
    const inner = (error as { cause?: unknown }).cause;
    const name = inner instanceof Error ? inner.name : error.name;
    const cause = inner instanceof Error ? inner.message : error.message;
    return { executionName: opts.executionName, status: 'FAILED', output: null, error: { name, cause }, statesEntered, lastStateInput, peakConcurrency };
  }
}
