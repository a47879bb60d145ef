// The local state machine as a bench drives it: the definition CDK synthesizes, run by the
// local runner with an on-disk dynalite state store (what `hourglass run` uses), every Task
// bound to the handlers' code. One driver stays open across executions (handed to the
// runner through StepEnvironment.openTargets) so a repetition measures the backfill, not the
// engine's start-up; the driver and the RunStore are seen through timers for the profile.
import { join } from 'node:path';
import { openStateStore, type StateHandle } from '../../functions/cli/state.js';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { openDriver } from '../../functions/engine/open-target.js';
import type { FinalizeOutput, PlanOutput, RunInput, StepEnvironment } from '../../functions/engine/service/types.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { repoRoot } from './clickhouse-fixture.js';
import { instrumentDriver, instrumentRunStore, Timers } from './timers.js';

process.env.HOURGLASS_REPO_ROOT ??= repoRoot;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const TARGET = 'bench';

export interface BackfillRun {
  ms: number;
  /** Wall time of each top-level state (first entry to the next state's entry). */
  stateMs: Record<string, number>;
  finalize: FinalizeOutput;
  plan: PlanOutput;
}

export interface Harness {
  /** The instrumented driver (its close() is a no-op; Harness.close closes the real one). */
  driver: Driver;
  timers: Timers;
  /** The step environment the runner gets (its RunStore is instrumented). */
  env: StepEnvironment;
  /** Milliseconds it took to open the engine (not part of any run). */
  openMs: number;
  execute(input: RunInput, name: string): Promise<void>;
  /** `onState` sees every state entered; `child` marks a state inside the Map's item processor. */
  backfill(input: Omit<RunInput, 'action' | 'target'>, runId: string, onState?: (name: string, child: boolean) => void): Promise<BackfillRun>;
  close(): Promise<void>;
}

export async function openHarness(url: string, migrationsDir: string, stateDir: string): Promise<Harness> {
  const { localDefinition } = await import('../../functions/local/definition.js');
  const { localEnvironment } = await import('../../functions/local/environment.js');
  const { runDefinitionLocally } = await import('../../functions/local/runner.js');
  const state: StateHandle = await openStateStore(join(stateDir));
  let raw: Driver | undefined;
  try {
    const definition = await localDefinition();
    const childStates = mapChildStates(definition);
    const started = performance.now();
    raw = await openDriver(parseTargetUrl(url), { leases: state.leases });
    const openMs = performance.now() - started;
    const timers = new Timers();
    const driver = instrumentDriver(raw, timers);
    const env: StepEnvironment = localEnvironment(state, { [TARGET]: { url, migrationsDir } });
    instrumentRunStore(env.runs, timers);
    const run = async (input: RunInput, name: string, onState?: (s: string, child: boolean) => void) => {
      env.openTargets!.set(TARGET, Promise.resolve(driver));
      const result = await runDefinitionLocally(definition, input, env, { executionName: name, onStateEntered: onState && ((s) => onState(s, childStates.has(s))) });
      if (result.status !== 'SUCCEEDED') throw new Error(`execution ${name} failed: ${JSON.stringify(result.error)} ${JSON.stringify(result.lastStateInput)}`);
      return result.output as { finalize: FinalizeOutput; plan: PlanOutput };
    };
    const opened = raw;
    return {
      driver,
      timers,
      env,
      openMs,
      execute: async (input, name) => void (await run(input, name)),
      async backfill(input, runId, onState) {
        const entered: [string, number][] = [];
        const started = performance.now();
        const output = await run({ ...input, action: 'backfill', target: TARGET, runId }, runId, (s, child) => {
          onState?.(s, child);
          if (!child) entered.push([s, performance.now()]);
        });
        const ended = performance.now();
        const stateMs = Object.fromEntries(entered.map(([s, t], i) => [s, (entered[i + 1]?.[1] ?? ended) - t]));
        return { ms: ended - started, stateMs, finalize: output.finalize, plan: output.plan };
      },
      async close() {
        await opened.close();
        await state.close();
      },
    };
  } catch (error) {
    await raw?.close();
    await state.close();
    throw error;
  }
}

/** Names of the states inside the definition's Map item processors (they run once per Map item). */
export function mapChildStates(definition: object): Set<string> {
  const names = new Set<string>();
  const states = (definition as { States: Record<string, { ItemProcessor?: { States: object }; Iterator?: { States: object } }> }).States;
  for (const state of Object.values(states)) {
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) for (const name of Object.keys(inner.States)) names.add(name);
  }
  return names;
}
