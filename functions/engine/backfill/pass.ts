// One backfill pass, the counterpart of the Migrator: plan (or reopen) the run under its run
// lease, then run windows behind the pinned-definition guard, the valve and the load gate, with
// statement labels and the cut-over hold (cut-over + lateness), then finish the run. The CLI's
// backfill/retry/resume and the state machine's Plan, window batch and Finalize steps are thin
// callers of it, so the two paths cannot drift again.
import type { Driver } from '../drivers/driver.js';
import { RunConflictError } from '../errors.js';
import type { MigrationSet } from '../migrations/set.js';
import type { RunRecord, WindowRecord } from '../state/records.js';
import { RunLeases, type RunLeaseSubject } from '../state/run-lease.js';
import type { RunStore } from '../state/run-store.js';
import type { ClaimableStatus } from '../state/window-transitions.js';
import type { TimeBudget } from './budget.js';
import type { BackfillDefinition } from './definition.js';
import { pinnedDefinitionGuard } from './definition-checksum.js';
import { executeWindows, type ExecuteResult, type WindowEvent } from './executor.js';
import { finishRun } from './finish.js';
import { loadGate } from './load-gate.js';
import { checkStrategy, loadDefinition, newRunId, planRun, type PlannedRun, type PlanRequest } from './plan.js';
import { reopenRun, type ReopenAction, type ReopenOptions, type Reopened } from './reopen.js';
import { DEFAULT_CONCURRENCY, notAfterOf, type PassOptions, type RunOptions } from './run-options.js';
import { statementLabel, windowLabelPrefix } from './statement-label.js';
import { runValve } from './valve.js';
import { batchStartRange } from './windows.js';

export interface BackfillerDeps {
  /** Opened on first use, after the run lease is taken: a refused run never opens the target. */
  driver: () => Promise<Driver>;
  runs: RunStore;
  set: MigrationSet;
  /** The clock of the cut-over hold and run ids (a local run may pin it); leases keep real time. */
  now?: () => Date;
}

/** What to backfill: the run's identity and range; how is RunOptions. */
export type BackfillRequest = Omit<PlanRequest, 'concurrency' | 'order' | 'statementTargetMs' | 'now'> & { targetName: string };

export interface Planned extends PlannedRun {
  /** This call took the run lease (nobody held it): the caller gives it back when done. */
  freshLease: boolean;
}

export interface PassRequest {
  /** Who claims the windows (window leases). */
  owner: string;
  /** backfill: pending windows; retry: failed ones; resume: both. Expired leases always. */
  allow: ClaimableStatus[];
  options: PassOptions & { concurrency?: number };
  /** Only this batch of the run (a Map child). */
  batch?: number;
  /** The invocation's time left: claims stop when the next statement would not fit. */
  budget?: TimeBudget;
  /** A wait (paused, throttled, load) of so long is given up: the invocation answers `more`. */
  giveUp?: (waitMs: number) => boolean;
  onWindow?: (event: WindowEvent) => void;
  onWait?: (why: string) => void;
  /** Test hook: fault injection before a window's statement (after the pinned guard). */
  beforeWindow?: (w: WindowRecord) => Promise<void> | void;
  /** The lease's target for a run recorded before runs named theirs. */
  fallbackTarget?: string;
}

export class Backfiller {
  private readonly leases: RunLeases;
  private readonly now: () => Date;

  constructor(private readonly deps: BackfillerDeps) {
    this.leases = new RunLeases(deps.runs.doc, deps.runs.tableName);
    this.now = deps.now ?? (() => new Date());
  }

  /** Takes the run lease (refused at once when another run of the target and version holds it), then plans the run. */
  async plan(req: BackfillRequest, options: RunOptions): Promise<Planned> {
    const { runs, set } = this.deps;
    const subject = { targetName: req.targetName, version: req.version, runId: req.runId ?? newRunId(req.version, this.now()) };
    const freshLease = await this.leases.take(subject);
    const planned = await this.deps.driver().then((driver) => planRun(driver, runs, set, {
      ...req, runId: subject.runId, now: this.now(), concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      ...(options.order ? { order: options.order } : {}),
      ...(options.statementTargetMs !== undefined ? { statementTargetMs: options.statementTargetMs } : {}),
    })).catch(async (error: unknown) => {
      // Refused before the run existed (bad range, unknown version): nothing holds the lease for it.
      // Refused because the id is taken: when nobody held the lease before us, that run is not running.
      // (An id the store refuses to read names no run either.)
      if (freshLease && (error instanceof RunConflictError || !(await runs.getRun(subject.runId).catch(() => null)))) await this.leases.release(subject);
      throw error;
    });
    return { ...planned, freshLease };
  }

  /** Reopens an existing run for a retry or resume under its lease, and checks its strategy is still possible here. */
  async reopen(run: RunRecord, action: ReopenAction, opts: ReopenOptions & { fallbackTarget?: string }): Promise<Reopened & { freshLease: boolean }> {
    const freshLease = await this.takeLease(run, opts.fallbackTarget);
    try {
      await checkStrategy(await this.deps.driver(), await this.definition(run));
      return { ...(await reopenRun(this.deps.runs, run, action, opts)), freshLease };
    } catch (error) {
      // Refused before any window ran: a lease this call took is not kept for a pass that never starts.
      if (freshLease) await this.release(run, opts.fallbackTarget);
      throw error;
    }
  }

  /** Runs windows of the run (all, or one batch) while renewing its lease; a window's failure is data in the result. */
  async pass(run: RunRecord, req: PassRequest): Promise<ExecuteResult> {
    const { runs, set } = this.deps;
    const subject = leaseSubject(run, req.fallbackTarget);
    const go = async () => {
      const driver = await this.deps.driver();
      const def = await this.definition(run);
      const batchStarts = req.batch === undefined ? undefined : batchStartRange(new Date(run.rangeStart), new Date(run.rangeEnd), def.windowMs, run.batchSize, req.batch) ?? undefined;
      // Pinned code: a pass with another definition than the run planned fails its windows with one line, writing nothing.
      const pinned = await pinnedDefinitionGuard(set, run);
      const target = req.options.statementTargetMs ?? run.statementTargetMs;
      return executeWindows(driver, runs, def, run.migrationVersion, {
        runId: run.runId, owner: req.owner, allow: req.allow, concurrency: req.options.concurrency ?? run.concurrency,
        ...(req.batch !== undefined ? { batch: req.batch, batchStarts } : {}),
        // A window ending at the cut-over waits until the cut-over plus lateness has passed, on every pass.
        notAfter: def.to.kind === 'cutover' ? notAfterOf(this.now(), req.options.latenessMs) : undefined,
        // Pause and throttle from the run record; a wait is given up when the invocation must answer.
        valve: runValve(runs, run.runId, { gate: def.maxLoad && loadGate(driver, runs, run.runId, def.maxLoad, { giveUp: req.giveUp }), giveUp: req.giveUp, onWait: req.onWait }),
        order: run.order,
        ...(target !== undefined ? { statementTargetMs: target } : {}),
        ...(req.budget ? { budget: req.budget } : {}),
        onWindow: req.onWindow,
        statementLabel: (w) => ({ label: statementLabel(run.runId, w.start, w.attempts), prefix: windowLabelPrefix(run.runId, w.start) }),
        beforeWindow: pinned ?? req.beforeWindow,
      });
    };
    if (!subject) return go();
    await this.leases.take(subject);
    return this.leases.whileHeld(subject, go);
  }

  /** The run's backfill definition, as this code has it (its window size the run's). */
  async definition(run: Pick<RunRecord, 'migrationVersion' | 'windowSize'>): Promise<BackfillDefinition> {
    return (await loadDefinition(this.deps.set, run.migrationVersion, run.windowSize)).def;
  }

  /** Rolls the windows up into the run record. */
  finish(runId: string): Promise<RunRecord> {
    return finishRun(this.deps.runs, runId);
  }

  /** Gives the run lease back (a pass that ended, or failed before it could). */
  async release(run: Pick<RunRecord, 'runId' | 'migrationVersion' | 'targetName'>, fallbackTarget?: string): Promise<void> {
    const subject = leaseSubject(run, fallbackTarget);
    if (subject) await this.leases.release(subject);
  }

  private takeLease(run: RunRecord, fallbackTarget?: string): Promise<boolean> {
    const subject = leaseSubject(run, fallbackTarget);
    return subject ? this.leases.take(subject) : Promise.resolve(false);
  }
}

/** The lease a run holds; none for a run recorded before leases (no target name). */
export function leaseSubject(run: Pick<RunRecord, 'runId' | 'migrationVersion' | 'targetName'>, fallbackTarget?: string): RunLeaseSubject | undefined {
  const targetName = run.targetName ?? fallbackTarget;
  return targetName ? { targetName, version: run.migrationVersion, runId: run.runId } : undefined;
}
