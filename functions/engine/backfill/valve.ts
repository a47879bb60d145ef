// The executor's side of the load valve: before each claim a worker asks the valve, which
// reads the run record's valve (pause, throttle) and waits while the run is paused or as
// many windows as the throttle allows are already running in this process. A paused run's
// workers finish their current window and claim no more; nothing is claimed while waiting,
// so no window is lost or left running. Waits poll the record (no wall-clock deadline).
import type { RunRecord } from '../state/records.js';

export interface ValveReader {
  getRun(runId: string): Promise<RunRecord | null>;
}

export interface Valve {
  /**
   * Resolves when the next window may be claimed; call the returned function when it is done.
   * null: the wait was given up (`giveUp`, an invocation about to run out of time): claim nothing.
   * 'cancelled': the run was cancelled: claim nothing, and no later pass should either.
   */
  beforeClaim(): Promise<(() => void) | null | 'cancelled'>;
}

export interface ValveOptions {
  /** How often a waiting worker reads the run record again. */
  pollMs?: number;
  /** Told once per wait, e.g. to show "paused" on a progress line. */
  onWait?: (why: 'paused' | 'throttled') => void;
  /** The database-load gate (load-gate.ts), passed before each claim once the valve is open; false: it gave up. */
  gate?: () => Promise<boolean>;
  /**
   * Asked before each sleep of `waitMs` while waiting: true gives the wait up. A Lambda batch must
   * not wait out its timeout on a paused run: it stops in time and answers `more`, and the Map
   * child calls it again.
   */
  giveUp?: (waitMs: number) => boolean;
}

/** Windows running per run in this process: the local runner's Map children share one count. */
const running = new Map<string, number>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function runValve(runs: ValveReader, runId: string, opts: ValveOptions = {}): Valve {
  const pollMs = opts.pollMs ?? 500;
  return {
    async beforeClaim() {
      let told: string | undefined;
      for (;;) {
        const valve = (await runs.getRun(runId))?.valve;
        if (valve?.cancelled) return 'cancelled'; // before paused: a paused run can be cancelled
        const limit = valve?.concurrency;
        const why = valve?.paused ? 'paused' : limit !== undefined && (running.get(runId) ?? 0) >= limit ? 'throttled' : undefined;
        if (!why) break;
        if (told !== why) opts.onWait?.((told = why));
        if (opts.giveUp?.(pollMs)) return null;
        await sleep(pollMs);
      }
      if (opts.gate && !(await opts.gate())) return null;
      running.set(runId, (running.get(runId) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        running.set(runId, (running.get(runId) ?? 1) - 1);
      };
    },
  };
}
