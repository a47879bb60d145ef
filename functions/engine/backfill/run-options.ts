// The run options a backfill pass takes, parsed once by one schema into one typed object.
// The CLI (backfill, retry, resume, run) and the state machine's input (execution input,
// EventBridge detail, POST /runs) accept the same set through `parseRunOptions`: the CLI
// gives flags as text, the input gives JSON values, and both end as the same RunOptions.
// test/backfill/run-options.test.ts fails when the two drift.
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { parseDuration, parseWindowSize } from './duration.js';
import { parseStatementTarget } from './group-size.js';
import { RUN_ORDERS, type RunOrder } from '../state/records.js';
import { parseWholeNumber } from '../whole-number.js';

/** Run-input field → CLI flag, for every option a pass honours. */
export const RUN_OPTIONS = {
  concurrency: 'concurrency',
  statementTarget: 'statement-target',
  order: 'order',
  lateness: 'lateness',
  functionTimeout: 'function-timeout',
  verify: 'verify',
} as const;

export type RunOptionField = keyof typeof RUN_OPTIONS;
export const VERIFY_MODES = ['require', 'warn', 'skip'] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

/** Windows at once when nothing says otherwise (CLI and state machine alike). */
export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 64;

/** Every option, parsed: durations in ms. Absent means "the run's, or the default". */
export interface RunOptions {
  concurrency?: number;
  statementTargetMs?: number;
  order?: RunOrder;
  /** How long after the cut-over the last window waits for late rows (0 when absent). */
  latenessMs: number;
  functionTimeoutMs?: number;
  verify?: VerifyMode;
}

/** Where the options come from: flags (text, named `--flag`) or a run input (JSON, named `"field"`). */
export type OptionSource = 'cli' | 'input';

const nameOf = (field: RunOptionField, source: OptionSource) => (source === 'cli' ? `--${RUN_OPTIONS[field]}` : `"${field}"`);

/** A field's parser as a zod transform: the engine's one-line message becomes the issue's. */
function parsed<T>(fn: (text: string) => T) {
  return (text: string, ctx: z.RefinementCtx): T => {
    try {
      return fn(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  };
}

function schemaOf(source: OptionSource) {
  const name = (field: RunOptionField) => nameOf(field, source);
  const text = (field: RunOptionField, expected: string) => z.string({ error: `${name(field)} must be ${expected}` });
  const concurrency = source === 'cli'
    ? z.string().transform(parsed((t) => parseWholeNumber(t, name('concurrency'), { min: 1, max: MAX_CONCURRENCY })))
    : z.number({ error: `"concurrency" must be a whole number from 1 to ${MAX_CONCURRENCY}` }).int({ error: `"concurrency" must be a whole number from 1 to ${MAX_CONCURRENCY}` })
      .min(1, { error: `"concurrency" must be a whole number from 1 to ${MAX_CONCURRENCY}` }).max(MAX_CONCURRENCY, { error: `"concurrency" must be a whole number from 1 to ${MAX_CONCURRENCY}` });
  const order = source === 'cli'
    ? z.string().transform(parsed((t) => orderOf(t)))
    : z.enum(RUN_ORDERS, { error: '"order" must be "oldest-first" or "newest-first"' });
  return z.object({
    concurrency: concurrency.optional(),
    statementTarget: text('statementTarget', 'a duration string such as "3s"').transform(parsed((t) => parseStatementTarget(t, name('statementTarget')))).optional(),
    order: order.optional(),
    lateness: text('lateness', 'a window size such as "15m"').transform(parsed((t) => parseLatenessText(t, name('lateness')))).optional(),
    functionTimeout: text('functionTimeout', 'a duration such as "30s"').transform(parsed((t) => parseDuration(t, name('functionTimeout')))).optional(),
    verify: z.enum(VERIFY_MODES, { error: `${name('verify')} must be one of ${VERIFY_MODES.join(', ')}` }).optional(),
  });
}

const SCHEMAS = { cli: schemaOf('cli'), input: schemaOf('input') };

/** Parses the options among `raw` (other keys are ignored here); the first problem is one line (UsageError). */
export function parseRunOptions(raw: Partial<Record<RunOptionField, unknown>>, source: OptionSource): RunOptions {
  const picked = Object.fromEntries(Object.keys(RUN_OPTIONS).filter((k) => raw[k as RunOptionField] !== undefined).map((k) => [k, raw[k as RunOptionField]]));
  const result = SCHEMAS[source].safeParse(picked);
  if (!result.success) throw new UsageError(result.error.issues[0]?.message ?? 'invalid run options');
  const o = result.data;
  return {
    latenessMs: o.lateness ?? 0,
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.statementTarget !== undefined ? { statementTargetMs: o.statementTarget } : {}),
    ...(o.order !== undefined ? { order: o.order } : {}),
    ...(o.functionTimeout !== undefined ? { functionTimeoutMs: o.functionTimeout } : {}),
    ...(o.verify !== undefined ? { verify: o.verify } : {}),
  };
}

/** The CLI's flags of the run options, keyed by field: what parseRunOptions(…, 'cli') takes. */
export function optionsFromFlags(flags: Record<string, unknown>): Partial<Record<RunOptionField, unknown>> {
  const out: Partial<Record<RunOptionField, unknown>> = {};
  for (const [field, flag] of Object.entries(RUN_OPTIONS)) if (flags[flag] !== undefined && flags[flag] !== false) out[field as RunOptionField] = String(flags[flag]);
  return out;
}

function orderOf(text: string): RunOrder {
  if (!RUN_ORDERS.includes(text as RunOrder)) throw new UsageError(`invalid --order "${text}": expected ${RUN_ORDERS.join(' or ')}`);
  return text as RunOrder;
}

function parseLatenessText(text: string, what: string): number {
  try {
    return parseWindowSize(text);
  } catch (error) {
    throw new UsageError(`${what}: ${(error as Error).message}`);
  }
}

/** What the Plan step hands every Map item, so a batch honours the run's options. */
export interface PassOptions {
  latenessMs: number;
  /** This pass's statement target (a retry's or resume's input), else the run's. */
  statementTargetMs?: number;
}

const wholeMs = (key: string) => z.number({ error: `"options.${key}" must be a non-negative whole number of ms` }).int({ error: `"options.${key}" must be a non-negative whole number of ms` }).min(0, { error: `"options.${key}" must be a non-negative whole number of ms` });
const passOptionsSchema = z.strictObject({ latenessMs: wholeMs('latenessMs'), statementTargetMs: wholeMs('statementTargetMs').optional() }, { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field "options.${issue.keys[0]}"` : '"options" must be an object with latenessMs') });

/** A Map item's options, as Plan wrote them (the window handler's event): `what` names the event in the error. */
export function parsePassOptions(raw: unknown, what: string): PassOptions {
  const result = passOptionsSchema.safeParse(raw);
  if (!result.success) throw new UsageError(`${what}: ${result.error.issues[0]?.message ?? 'invalid "options"'}`);
  return passOptionsOf({ ...result.data });
}

export function passOptionsOf(options: RunOptions): PassOptions {
  return { latenessMs: options.latenessMs, ...(options.statementTargetMs !== undefined ? { statementTargetMs: options.statementTargetMs } : {}) };
}

/** A window ending at the cut-over runs only once the cut-over plus lateness has passed. */
export function notAfterOf(now: Date, latenessMs: number): Date {
  return new Date(now.getTime() - latenessMs);
}
