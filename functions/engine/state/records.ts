// The shapes of run and window records as the engine sees them (no table keys), and the
// conversion from stored items. Key layout: see keys.ts.
import type { Engine } from '../target-url.js';

export const RUN_STATUSES = ['planned', 'running', 'succeeded', 'partial', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const WINDOW_STATUSES = ['pending', 'running', 'succeeded', 'failed'] as const;
export type WindowStatus = (typeof WINDOW_STATUSES)[number];

export type WindowCounts = Record<WindowStatus, number>;

export interface RunRecord {
  runId: string;
  migrationVersion: number;
  migrationName: string;
  /** Display form of the target URL: password masked. */
  target: string;
  engine: Engine;
  rangeStart: string;
  rangeEnd: string;
  /** e.g. '1h'. */
  windowSize: string;
  windowCount: number;
  batchSize: number;
  concurrency: number;
  strategy: string;
  status: RunStatus;
  counts: WindowCounts;
  rowsWritten: number;
  sourceRows: number;
  createdAt: string;
  updatedAt: string;
  /** Set once putWindows has written the plan, or at creation for a run with windowsOnDemand; a run is planned only once. */
  plannedAt?: string;
  /**
   * The run keeps only its grid (rangeStart, rangeEnd, windowSize, batchSize): a window's
   * record is written when it first runs, and a window with no record reads as pending.
   */
  windowsOnDemand?: boolean;
  /** How its window state is kept (keys.ts STATE_FORMAT); absent on runs planned before format 2, which are refused. */
  stateFormat?: number;
  error?: string;
  /** Which windows run first; absent: oldest first. */
  order?: RunOrder;
  /** How long one backfill statement should take (adjacent windows grouped up to it); absent: the default. */
  statementTargetMs?: number;
  /** Set while the run's workers wait for the database load to fall (max-load). */
  waiting?: { reason: 'throttled by load'; load: number | null; threshold: number; since: string };
  /** The operator's valve (pause, throttle), when anyone has touched it. */
  valve?: RunValve;
  /** The configured target name the run was started on: the key of its run lease (state/run-lease.ts). */
  targetName?: string;
  /** sha256 of the backfill definition text it planned: a batch whose bundle differs fails its windows. */
  definitionChecksum?: string;
  /** The execution whose Plan created the run: a retried Plan of the same execution continues it. */
  plannedBy?: string;
  /** Hash of the parameters it was planned with: the same id with other parameters is refused. */
  planKey?: string;
  /** Verify's verdict at Finalize; `problem` set when it found drift or could not run. */
  verify?: { status: 'clean' | 'drift' | 'unverified' | 'skipped'; summary: string; problem?: string };
}

export const RUN_ORDERS = ['oldest-first', 'newest-first'] as const;
export type RunOrder = (typeof RUN_ORDERS)[number];

/** Pause and throttle of a run, changeable mid-run; workers read it before each claim. */
export interface RunValve {
  paused: boolean;
  /** At most this many windows at once (all workers); none: the run's own concurrency. */
  concurrency?: number;
  /** `hourglass cancel`: workers claim nothing more and the run ends `cancelled`; resume clears it. */
  cancelled?: boolean;
  /** Who changed it last: an IAM caller (API) or user@host (CLI). */
  changedBy: string;
  changedAt: string;
}

/** What the caller supplies to create a run; the store fills in status, counts and times. */
export type NewRun = Omit<RunRecord, 'status' | 'counts' | 'rowsWritten' | 'sourceRows' | 'createdAt' | 'updatedAt' | 'plannedAt' | 'error' | 'verify' | 'valve' | 'waiting' | 'order' | 'rangeStart' | 'rangeEnd' | 'windowsOnDemand' | 'stateFormat'> & {
  order?: RunOrder;
  windowsOnDemand?: boolean;
  rangeStart: Date | string;
  rangeEnd: Date | string;
  status?: RunStatus;
  createdAt?: Date;
};

export interface WindowRecord {
  runId: string;
  /** ISO instant, inclusive. */
  start: string;
  /** ISO instant, exclusive. */
  end: string;
  batch: number;
  status: WindowStatus;
  attempts: number;
  rows: number;
  sourceRows?: number;
  durationMs?: number;
  /** Redacted and truncated (shortError). */
  lastError?: string;
  leaseOwner?: string;
  /** Epoch ms. */
  leaseExpiresAt?: number;
  /** The lease owner's process and host, when it is a local process (lease-holder.ts): a dead one's lease is taken back at once. */
  leasePid?: number;
  leaseHost?: string;
  updatedAt: string;
}

export interface PlannedWindow {
  start: Date;
  end: Date;
  batch: number;
}

export function emptyCounts(): WindowCounts {
  return { pending: 0, running: 0, succeeded: 0, failed: 0 };
}

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt'];

function stripKeys(item: Record<string, unknown>): Record<string, unknown> {
  const out = { ...item };
  for (const key of KEY_ATTRIBUTES) delete out[key];
  return out;
}

export function toRunRecord(item: Record<string, unknown>): RunRecord {
  return stripKeys(item) as unknown as RunRecord;
}

export function toWindowRecord(item: Record<string, unknown>): WindowRecord {
  return stripKeys(item) as unknown as WindowRecord;
}
