// State names of the run state machine. They are part of its interface: the local runner binds
// every Task to its handler by name, CloudWatch/X-Ray show them, and tests assert on them.
// Renaming one is a breaking change.
export const STATE = {
  validateInput: 'ValidateInput',
  invalidInput: 'InvalidInput',
  prepareRun: 'PrepareRun',
  routeAction: 'RouteAction',
  apply: 'Apply',
  needsBackfill: 'NeedsBackfill',
  plan: 'Plan',
  backfillWindows: 'BackfillWindows',
  runWindowBatch: 'RunWindowBatch',
  batchMore: 'BatchMore',
  batchDone: 'BatchDone',
  verify: 'Verify',
  finalize: 'Finalize',
  runOutcome: 'RunOutcome',
  runSucceeded: 'RunSucceeded',
  runPartiallyFailed: 'RunPartiallyFailed',
  runFailed: 'RunFailed',
  runRefused: 'RunRefused',
  finalizeFailed: 'FinalizeFailed',
} as const;

export type TaskStateName = typeof STATE.apply | typeof STATE.plan | typeof STATE.runWindowBatch | typeof STATE.verify | typeof STATE.finalize;

/**
 * Task state → handler module (relative to the repository root). Each module exports
 * `handler` (the Lambda entry) and `invoke(env, event)` (the same work with a given
 * StepEnvironment, for the local runner).
 */
export const TASK_HANDLERS: Record<TaskStateName, string> = {
  [STATE.apply]: 'functions/handlers/apply.ts',
  [STATE.plan]: 'functions/handlers/plan.ts',
  [STATE.runWindowBatch]: 'functions/handlers/window.ts',
  [STATE.verify]: 'functions/handlers/verify.ts',
  [STATE.finalize]: 'functions/handlers/finalize.ts',
};

/** Error name of the Fail state a partially failed run ends in (alerting sees it as a failure). */
export const RUN_PARTIALLY_FAILED = 'RunPartiallyFailed';
export const RUN_FAILED = 'RunFailed';
export const INVALID_INPUT = 'InvalidInput';
