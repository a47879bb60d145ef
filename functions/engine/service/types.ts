// The engine's façade for the state machine: one function per state (Apply, Plan, Window
// batch, Verify, Finalize). Lambda handlers and the local runner both call these, so
// behaviour cannot drift between AWS and a laptop. Inputs and outputs are plain JSON.
import type { LeaseProvider } from '../drivers/lease.js';
import type { RunStore } from '../state/run-store.js';
import type { PassOptions } from '../backfill/run-options.js';

export type RunAction = 'apply' | 'backfill' | 'retry' | 'resume' | 'verify' | 'revert';

/** What a Map child claims: pending windows (backfill), failed ones (retry), or both (resume); expired leases always. */
export type BatchMode = 'backfill' | 'retry' | 'resume';

/** Execution input of the state machine (also the EventBridge detail and POST /runs body). */
export interface RunInput {
  action: RunAction;
  /** Target name, resolved by the environment to a URL and a migrations folder. */
  target: string;
  /** Migration version to backfill (backfill), or to apply/revert to (`--to`). */
  version?: number;
  /** ISO-8601 UTC overrides of the backfill range. */
  from?: string;
  to?: string;
  /** Window size override, e.g. "1h". */
  window?: string;
  /** Max windows at once (Map MaxConcurrency). Default 4. */
  concurrency?: number;
  /** Required for retry and resume; optional for backfill (generated otherwise). */
  runId?: string;
  /**
   * Percentage of Map children (batches) that may fail before the Map fails (the Map's
   * ToleratedFailurePercentage). Default 100: a failed batch leaves its windows for resume and
   * the other batches run on.
   */
  toleratedFailurePercentage?: number;
  /** Backfill: "newest-first" runs recent hours first; default oldest first. */
  order?: 'oldest-first' | 'newest-first';
  /** Backfill: how long one statement should take, e.g. "3s" ("0": one window per statement). */
  statementTarget?: string;
  /** How long after the cut-over the last window waits for late rows, e.g. "15m" (the CLI's --lateness). */
  lateness?: string;
  /**
   * What Verify's result does to the outcome. `require` (default): drift, count mismatches or a
   * verify that could not run make the run partial. `warn`: recorded, the run still succeeds.
   * `skip`: Verify does not run.
   */
  verify?: VerifyMode;
}

export type { VerifyMode } from '../backfill/run-options.js';
import type { VerifyMode } from '../backfill/run-options.js';

export interface ResolvedTarget {
  /** Connection URL (may hold a password: never log or return it). */
  url: string;
  migrationsDir: string;
}

/** What the steps need from where they run (Lambda or local). */
export interface StepEnvironment {
  /** forceFetch: read the secret past any cache (after the server refused the credentials). */
  resolveTarget(name: string, opts?: { forceFetch?: boolean }): Promise<ResolvedTarget>;
  runs: RunStore;
  leases: LeaseProvider;
  /** Identifies this worker in window leases. */
  workerId: string;
  /** The clock (cut-over, held-back windows); a local run may pin it. Default: the system clock. */
  now?: () => Date;
  /**
   * Keeps drivers open between steps, keyed by target (a local run: one process runs every
   * step, and embedded engines are slow to open). Lambda leaves it unset: each invocation
   * opens and closes its own connection. Whoever sets it closes them with closeTargets().
   */
  openTargets?: Map<string, Promise<import('../drivers/driver.js').Driver>>;
}

export interface ApplyOutput {
  applied: { version: number; name: string; durationMs: number }[];
  databaseVersion: number | null;
}

export interface PlanOutput {
  runId: string;
  /** What the Map's children should claim. */
  mode: BatchMode;
  windowCount: number;
  batchSize: number;
  /** Batch numbers, passed inline to the Map: small even for 87,600 windows. */
  batches: number[];
  concurrency: number;
  /** The input's, default 100: the Map's ToleratedFailurePercentagePath. */
  toleratedFailurePercentage: number;
  warnings: string[];
  /** Handed to every Map item by the ItemSelector: what a batch honours (lateness). */
  options: PassOptions;
}

export interface WindowBatchInput {
  runId: string;
  batch: number;
  target: string;
  /** backfill: claim pending windows (and expired leases); retry: failed ones; resume: both. Default backfill. */
  mode?: BatchMode;
  /** The run's pass options from Plan (absent: lateness 0). */
  options?: PassOptions;
}

export interface WindowBatchOutput {
  batch: number;
  succeeded: number;
  failed: number;
  skipped: number;
  rows: number;
  /** The invocation stopped for time with windows of the batch left: the child loop runs it again. */
  more: boolean;
}

/** clean: schema and counts agree. drift: they do not. unverified: verify could not run (never clean). skipped: input said so. */
export type VerifyStatus = 'clean' | 'drift' | 'unverified' | 'skipped';

export interface VerifyOutput {
  status: VerifyStatus;
  /** status === 'clean'. */
  clean: boolean;
  /** Schema differences between the live target and what the applied migrations produce. */
  differences: number;
  /** Windows whose target rows disagree with their source count. */
  dataMismatches: number;
  summary: string;
  /** unverified: why (one line, e.g. the privilege the scratch database needs). */
  reason?: string;
}

export type RunOutcome = 'succeeded' | 'partial' | 'failed';

export interface FinalizeInput {
  action: RunAction;
  runId?: string;
  /** Set when an earlier state failed after its retries (from the Catch). */
  error?: { Error?: string; Cause?: string };
  /** Verify's output ($.verify), absent when a Catch jumped past it. */
  verify?: VerifyOutput;
  verifyMode?: VerifyMode;
}

export interface FinalizeOutput {
  status: RunOutcome;
  runId?: string;
  windows?: { total: number; succeeded: number; failed: number; pending: number };
  rows?: number;
  error?: string;
  /** Verify's verdict as it counted for the outcome; `problem` says why it made the run partial (or, with verify "warn", what was only recorded). */
  verify?: { status: VerifyStatus; summary: string; problem?: string };
}
