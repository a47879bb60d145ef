// The shapes the state machine hands to each Task, and their validation. The definition
// (infra/constructs/run-state-machine.ts) builds exactly these payloads; the local runner
// passes the same ones, so handlers have no local-only branch.
//
// Run id: a run's id is its execution's name unless the input names one (retry names the run
// it repairs; a backfill may name its own). Every step applies the same rule, so Apply, Plan,
// Verify and Finalize all agree on the id without passing it between states.
//
// EventBridge: the trigger rule (infra/constructs/run-triggers.ts) hands the state machine an
// envelope, {action, target, trigger: {source: "eventbridge", eventId, account}, detail}, whose
// `detail` is the requested input. Every step unwraps it the same way and refuses a revert
// unless the stack allows reverts from EventBridge (HOURGLASS_EVENTBRIDGE_REVERT=allow): the
// rule's pattern already drops such events, this is the second lock behind it.
import { UsageError } from '../engine/errors.js';
import { RUN_ID, TARGET_NAME, parseRunInput } from '../engine/service/input.js';
import type { FinalizeInput, RunInput, VerifyOutput, WindowBatchInput } from '../engine/service/types.js';
import { parsePassOptions } from '../engine/backfill/run-options.js';

/** Apply, Plan and Verify: the execution input as given, and `$$.Execution.Name`. */
export interface RunStepEvent {
  input: unknown;
  executionName?: string;
}

/** Finalize: the whole state data; `error` only when a Catch recorded one, `verify` once Verify ran (other keys are ignored). */
export interface FinalizeEvent extends RunStepEvent {
  error?: { Error?: string; Cause?: string } | null;
  verify?: unknown;
}

const VERIFY_STATUSES = new Set(['clean', 'drift', 'unverified', 'skipped']);

/** Verify's output as Finalize trusts it: anything malformed counts as no result (so: unverified). */
function verifyOutputOf(raw: unknown): VerifyOutput | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const v = raw as Record<string, unknown>;
  if (typeof v.status !== 'string' || !VERIFY_STATUSES.has(v.status)) return undefined;
  const count = (n: unknown) => (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : 0);
  return {
    status: v.status as VerifyOutput['status'],
    clean: v.status === 'clean',
    differences: count(v.differences),
    dataMismatches: count(v.dataMismatches),
    summary: typeof v.summary === 'string' ? v.summary : '',
    ...(typeof v.reason === 'string' ? { reason: v.reason } : {}),
  };
}

function asObject(event: unknown, what: string): Record<string, unknown> {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new UsageError(`${what} event must be a JSON object`);
  return event as Record<string, unknown>;
}

/** A revert requested through EventBridge while the stack does not allow it. Not retried; Finalize records it. */
export class TriggerRefusedError extends UsageError {}

export const EVENTBRIDGE_REVERT_ENV = 'HOURGLASS_EVENTBRIDGE_REVERT';

const ENVELOPE_KEYS = new Set(['action', 'target', 'trigger', 'detail']);

/** The requested input: the input itself, or the `detail` of an EventBridge envelope (checked against its routing fields). */
function requestedInput(raw: unknown, env: NodeJS.ProcessEnv): RunInput {
  const obj = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
  const trigger = obj?.trigger as Record<string, unknown> | undefined;
  if (!obj || typeof trigger !== 'object' || trigger === null || trigger.source !== 'eventbridge') return parseRunInput(raw);
  for (const key of Object.keys(obj)) if (!ENVELOPE_KEYS.has(key)) throw new UsageError(`EventBridge input: unknown envelope field "${key.slice(0, 40)}"`);
  const input = parseRunInput(obj.detail);
  if (obj.action !== input.action || obj.target !== input.target) throw new UsageError('EventBridge input: the envelope\'s action and target differ from its detail');
  if (input.action === 'revert' && env[EVENTBRIDGE_REVERT_ENV] !== 'allow') {
    throw new TriggerRefusedError(`revert is refused from EventBridge (event ${String(trigger.eventId ?? '?').slice(0, 64)}): revert through the CLI or the API, or allow it with the stage's eventBus.allowRevert`);
  }
  return input;
}

export function runInputOf(event: RunStepEvent, env: NodeJS.ProcessEnv = process.env): RunInput {
  const { input: raw, executionName } = asObject(event, 'step') as Partial<RunStepEvent>;
  const input = requestedInput(raw, env);
  // retry and resume always name the run they repair (parseRunInput requires it); others default to the execution.
  if (input.runId === undefined && typeof executionName === 'string' && RUN_ID.test(executionName)) input.runId = executionName;
  return input;
}

export function finalizeInputOf(event: FinalizeEvent, input: RunInput): FinalizeInput {
  const out: FinalizeInput = { action: input.action };
  if (input.runId !== undefined) out.runId = input.runId;
  if (input.verify !== undefined) out.verifyMode = input.verify;
  const verify = verifyOutputOf(event.verify);
  if (verify) out.verify = verify;
  const error = event.error;
  if (error !== undefined && error !== null) {
    const obj = asObject(error, 'caught error');
    out.error = {};
    if (typeof obj.Error === 'string') out.error.Error = obj.Error;
    if (typeof obj.Cause === 'string') out.error.Cause = causeMessage(obj.Cause);
  }
  return out;
}

/**
 * In AWS a Lambda error's Cause is the JSON {"errorType","errorMessage","trace"}; the local
 * runner gives the message itself. Both become the message, so the run record reads the same.
 */
export function causeMessage(cause: string): string {
  if (!cause.startsWith('{')) return cause;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch (error) {
    if (error instanceof SyntaxError) return cause;
    throw error;
  }
}

/** One Map item: built by the Map's ItemSelector from the plan. */
export function windowBatchInputOf(event: unknown): WindowBatchInput {
  const obj = asObject(event, 'window batch');
  const { runId, batch, target, mode } = obj;
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) throw new UsageError('window batch: "runId" must be a run id');
  if (typeof batch !== 'number' || !Number.isSafeInteger(batch) || batch < 0) throw new UsageError('window batch: "batch" must be a non-negative whole number');
  if (typeof target !== 'string' || !TARGET_NAME.test(target)) throw new UsageError('window batch: "target" must be a target name');
  if (mode !== undefined && mode !== 'backfill' && mode !== 'retry' && mode !== 'resume') throw new UsageError('window batch: "mode" must be backfill, retry or resume');
  return { runId, batch, target, ...(mode === undefined ? {} : { mode }), ...(obj.options === undefined ? {} : { options: parsePassOptions(obj.options, 'window batch') }) };
}
