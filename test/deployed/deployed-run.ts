// The same host `run --deployed` uses, in the test process: the state store (dynalite over
// TCP), the target served over the network, its secret in the local Secrets Manager endpoint,
// and the synthesized definition's Tasks bound to the cdk.out bundles. Tests drive the engine
// only over the network (networkUrl), as the functions do.
import { resolve } from 'node:path';
import type { RunInput } from '../../functions/engine/service/types.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { openStateStore, type StateHandle } from '../../functions/cli/state.js';
import { startDeployedStack, type DeployedStack } from '../../functions/local/deployed/deployed-stack.js';
import { localEnvironment } from '../../functions/local/environment.js';
import { runDefinitionLocally, type LocalExecution } from '../../functions/local/runner.js';

export interface DeployedTarget {
  stack: DeployedStack;
  /** Every log line of every function, as CloudWatch would get it. */
  logs: string[];
  run(input: Omit<RunInput, 'target'>, executionName: string): Promise<LocalExecution>;
  close(): Promise<void>;
}

export const TARGET = 'local';

export function openState(dir: string): Promise<StateHandle> {
  return openStateStore(dir);
}

export async function startDeployedTarget(url: string, state: StateHandle, opts: { migrations: string; now?: Date; functionTimeouts?: Record<string, number> }): Promise<DeployedTarget> {
  const logs: string[] = [];
  const stack = await startDeployedStack({
    targetName: TARGET,
    target: parseTargetUrl(url),
    targetUrlText: url,
    migrationsDir: resolve('migrations', opts.migrations),
    state,
    ...(opts.now ? { now: opts.now.toISOString() } : {}),
    ...(opts.functionTimeouts ? { functionTimeouts: opts.functionTimeouts } : {}),
    onLog: (_fn, line) => logs.push(line),
  });
  return {
    stack,
    logs,
    run: (input, executionName) =>
      runDefinitionLocally(stack.host.definition, { ...input, target: TARGET }, localEnvironment(state, {}), { executionName, taskHandlers: stack.host.taskHandlers }),
    close: () => stack.close(),
  };
}

/** What Finalize said (on success the output; on failure the last state input). */
export function finalizeOf(result: LocalExecution): { status: string; windows?: { total: number; succeeded: number; failed: number; pending: number }; rows?: number; error?: string } | undefined {
  return ((result.output ?? result.lastStateInput) as { finalize?: never } | null)?.finalize;
}
