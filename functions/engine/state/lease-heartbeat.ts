// Window leases are short (a minute) and renewed while their statement runs, so a window
// whose worker died (a Lambda killed at its timeout, a SIGKILLed process) is claimable again
// within about a minute, while a long statement keeps its window for as long as it runs.
import type { RunStore } from './run-store.js';

/** A window lease's length: how long a dead worker's window waits before another may claim it. */
export const WINDOW_LEASE_MS = 60_000;

export interface Heartbeat {
  /** Stops renewing (the window finished, or was given back). */
  stop(): void;
  /** Whether a renewal found the lease gone (taken over after it expired, or finished elsewhere). */
  readonly lost: boolean;
}

/**
 * Renews the leases of `starts` (one window, or a group run by one statement) every third of
 * `leaseMs` by a conditional UpdateItem that only their owner passes. A renewal that fails for
 * the network is tried again at the next beat; one that finds the lease gone stops for that
 * window. The timer is unref'd: it never keeps a process alive.
 */
export function keepWindowLeases(runs: Pick<RunStore, 'renewWindowLease'>, runId: string, owner: string, starts: readonly string[], leaseMs = WINDOW_LEASE_MS): Heartbeat {
  const held = new Set(starts);
  let lost = false;
  let beating = false;
  const beat = async (): Promise<void> => {
    if (beating) return; // a slow renewal is still out: never two at once
    beating = true;
    try {
      for (const start of [...held]) {
        if (!held.has(start)) continue; // stopped meanwhile
        try {
          if (!(await runs.renewWindowLease(runId, start, owner, leaseMs))) {
            held.delete(start);
            lost = true;
          }
        } catch {
          // Network or throttling: the lease still has two thirds of its time; try at the next beat.
        }
      }
    } finally {
      beating = false;
    }
  };
  const timer = setInterval(() => void beat(), Math.max(1, Math.floor(leaseMs / 3)));
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      held.clear();
    },
    get lost() {
      return lost;
    },
  };
}
