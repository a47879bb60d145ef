// The run options a backfill pass takes, named once: the CLI flag and the run-input field of
// each. The CLI (backfill, retry, run) and the state machine's input (execution input,
// EventBridge detail, POST /runs) accept the same set; test/backfill/run-options.test.ts
// fails when they drift.
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { parseWindowSize } from './duration.js';

/** Run-input field → CLI flag, for every option a pass honours. */
export const RUN_OPTIONS = {
  concurrency: 'concurrency',
  statementTarget: 'statement-target',
  order: 'order',
  lateness: 'lateness',
  functionTimeout: 'function-timeout',
  verify: 'verify',
} as const;

/** `lateness`: how long after the cut-over the last window waits for late rows (a window size, 0 when absent). */
const lateness = z.string().transform((text, ctx) => {
  try {
    return parseWindowSize(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** Parses a lateness given as `what` (`--lateness` or `"lateness"`) into ms; one line on a bad one. */
export function parseLateness(value: unknown, what: string): number {
  if (value === undefined) return 0;
  const parsed = lateness.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UsageError(issue?.code === 'custom' ? `${what}: ${issue.message}` : `${what} must be a window size such as "15m"`);
}

/** What the Plan step hands every Map item, so a batch honours the run's options. */
export interface PassOptions {
  latenessMs: number;
}

/** A window ending at the cut-over runs only once the cut-over plus lateness has passed. */
export function notAfterOf(now: Date, latenessMs: number): Date {
  return new Date(now.getTime() - latenessMs);
}
