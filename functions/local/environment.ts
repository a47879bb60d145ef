// The StepEnvironment of a local run: the CLI's target (by name) and its local state store.
import { randomUUID } from 'node:crypto';
import { UsageError } from '../engine/errors.js';
import type { ResolvedTarget, StepEnvironment } from '../engine/service/types.js';
import type { StateHandle } from '../cli/state.js';

export function localEnvironment(state: Pick<StateHandle, 'runs' | 'leases'>, targets: Record<string, ResolvedTarget>, now?: () => Date): StepEnvironment {
  return {
    ...(now ? { now } : {}),
    openTargets: new Map(),
    runs: state.runs,
    leases: state.leases,
    workerId: `local-${process.pid}-${randomUUID().slice(0, 8)}`,
    async resolveTarget(name) {
      const target = targets[name];
      if (!target) throw new UsageError(`unknown target "${name}" (known: ${Object.keys(targets).join(', ')})`);
      return target;
    },
  };
}
