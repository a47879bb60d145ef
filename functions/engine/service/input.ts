// Validates a state-machine input (execution input, EventBridge detail, POST /runs body).
// Every problem is one clear line (UsageError → exit 2 / HTTP 400); unknown keys are refused
// so a typo cannot silently change what runs.
import { UsageError } from '../errors.js';
import { parseUtcTime } from '../backfill/definition.js';
import { parseWindowSize } from '../backfill/duration.js';
import { MAX_CONCURRENCY, RUN_OPTIONS, parseRunOptions } from '../backfill/run-options.js';
import type { RunAction, RunInput } from './types.js';

const ACTIONS: RunAction[] = ['apply', 'backfill', 'retry', 'resume', 'verify', 'revert'];
export const RUN_INPUT_KEYS = new Set(['action', 'target', 'version', 'from', 'to', 'window', 'concurrency', 'runId', 'order', 'verify', 'toleratedFailurePercentage', 'statementTarget', 'lateness']);
export const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;
export { MAX_CONCURRENCY };

export function parseRunInput(raw: unknown): RunInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError('input must be a JSON object');
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) if (!RUN_INPUT_KEYS.has(key)) throw new UsageError(`unknown input field "${key.slice(0, 40)}" (known: ${[...RUN_INPUT_KEYS].join(', ')})`);
  const action = obj.action;
  if (typeof action !== 'string' || !ACTIONS.includes(action as RunAction)) throw new UsageError(`"action" must be one of ${ACTIONS.join(', ')}`);
  const target = obj.target;
  if (typeof target !== 'string' || !TARGET_NAME.test(target)) throw new UsageError('"target" must be a target name: letters, digits, _ and -');
  const input: RunInput = { action: action as RunAction, target };
  if (obj.version !== undefined) {
    if (typeof obj.version !== 'number' || !Number.isSafeInteger(obj.version) || obj.version < 0) throw new UsageError('"version" must be a non-negative whole number');
    input.version = obj.version;
  }
  for (const key of ['from', 'to'] as const) {
    if (obj[key] === undefined) continue;
    if (typeof obj[key] !== 'string') throw new UsageError(`"${key}" must be an ISO-8601 UTC time string`);
    parseUtcTime(obj[key] as string, (problem) => {
      throw new UsageError(`"${key}": ${problem}`);
    });
    input[key] = obj[key] as string;
  }
  if (input.from && input.to && new Date(input.from) >= new Date(input.to)) throw new UsageError('"from" must be before "to"');
  if (obj.window !== undefined) {
    if (typeof obj.window !== 'string') throw new UsageError('"window" must be a string such as "1h"');
    parseWindowSize(obj.window);
    input.window = obj.window;
  }
  // The pass options, by the one schema the CLI uses too (run-options.ts); kept as given (JSON).
  parseRunOptions(obj, 'input');
  for (const key of Object.keys(RUN_OPTIONS)) if (obj[key] !== undefined) (input as unknown as Record<string, unknown>)[key] = obj[key];
  if (obj.runId !== undefined) {
    if (typeof obj.runId !== 'string' || !RUN_ID.test(obj.runId)) throw new UsageError('"runId" must be letters, digits, _ . - (at most 80)');
    input.runId = obj.runId;
  }
  if (obj.toleratedFailurePercentage !== undefined) {
    const p = obj.toleratedFailurePercentage;
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100) throw new UsageError('"toleratedFailurePercentage" must be a number from 0 to 100');
    input.toleratedFailurePercentage = p;
  }
  if (action === 'backfill' && input.version === undefined) throw new UsageError('"version" is required for backfill');
  if ((action === 'retry' || action === 'resume') && input.runId === undefined) throw new UsageError(`"runId" is required for ${action}`);
  return input;
}
