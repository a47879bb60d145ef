// Each function's timeout, in a file with no CDK import: the stack sets them, and the local
// runner counts each Task invocation down from the same number (scaled by --function-timeout),
// so a window batch sees the time it would have in AWS.
import { STATE, type TaskStateName } from './state-names.js';

export type FunctionName = 'apply' | 'plan' | 'window' | 'verify' | 'finalize' | 'api';

export const FUNCTION_TIMEOUT_SECONDS: Record<FunctionName, number> = {
  apply: 15 * 60,
  plan: 15 * 60,
  window: 15 * 60,
  verify: 15 * 60,
  finalize: 5 * 60,
  api: 29,
};

/** The function behind each Task state. */
export const TASK_FUNCTIONS: Record<TaskStateName, FunctionName> = {
  [STATE.apply]: 'apply',
  [STATE.plan]: 'plan',
  [STATE.runWindowBatch]: 'window',
  [STATE.verify]: 'verify',
  [STATE.finalize]: 'finalize',
};
