// RedriveExecution, as far as the local runner can go: a failed execution starts again at the
// top-level state it failed in (the one entered last, never exited), with the state data it
// had there, on the same definition. In AWS a redrive also keeps the results of a Map's
// succeeded children and re-runs only its failed or aborted ones; aws-local-stepfunctions
// knows no Map Runs, so here every item of that Map runs again. For this definition that is
// the same work: a child only claims windows that are not done (window-transitions.ts), so a
// batch that had finished claims nothing.
import type { StepEnvironment } from '../engine/service/types.js';
import { runDefinitionLocally, type LocalExecution, type RunLocallyOptions } from './runner.js';

export async function redriveLocally(definition: object, failed: LocalExecution, env: StepEnvironment, opts: RunLocallyOptions): Promise<LocalExecution> {
  if (failed.status !== 'FAILED') throw new Error(`execution ${failed.executionName} is ${failed.status} and cannot be redriven`);
  const states = (definition as { States: Record<string, unknown> }).States;
  if (!failed.lastState || !Object.hasOwn(states, failed.lastState)) throw new Error(`execution ${failed.executionName} failed before any state: nothing to redrive`);
  const redriven = await runDefinitionLocally(definition, failed.lastStateInput, env, { ...opts, startAt: failed.lastState });
  // The history of one execution: what the first attempt entered, then what the redrive did.
  return { ...redriven, statesEntered: [...failed.statesEntered, ...redriven.statesEntered] };
}
