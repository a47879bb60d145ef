// Window leases are short (a minute) and renewed while their statement runs, so a window
// whose worker died (a Lambda killed at its timeout, a SIGKILLed process) is claimable again
// within about a minute, while a long statement keeps its window for as long as it runs.
import type { RunStore } from './run-store.js';
import type { WindowRef } from './batch-items.js';

/** A window lease's length: how long a dead worker's window waits before another may claim it. */
export const WINDOW_LEASE_MS = 60_000;

export interface Heartbeat {
  /** Stops renewing (the window finished, or was given back). */
  stop(): void;
  /** Whether a renewal found the lease gone (taken over after it expired, or finished elsewhere). */
  readonly lost: boolean;
}

/**
 * Renews the leases of `windows` (one window, or a group run by one statement) every third of
 * `leaseMs` by one conditional UpdateItem per batch item that only their owner passes (a bare
 * start is renewed alone). A renewal that fails for the network is tried again at the next
 * beat; one that finds a lease gone stops for that window. The timer is unref'd: it never
 * keeps a process alive.
 */
export function keepWindowLeases(runs: Pick<RunStore, 'renewWindowLease' | 'renewWindowLeases'>, runId: string, owner: string, windows: readonly (WindowRef | string)[], leaseMs = WINDOW_LEASE_MS): Heartbeat {
  const held = new Map(windows.map((w) => [typeof w === 'string' ? w : w.start, w] as const));
  let lost = false;
  let beating = false;
  const beat = async (): Promise<void> => {
    if (beating) return; // a slow renewal is still out: never two at once
    beating = true;
    try {
      const refs = [...held.values()].filter((w): w is WindowRef => typeof w !== 'string');
      const bare = [...held.values()].filter((w): w is string => typeof w === 'string');
      const kept = new Set<string>();
      try {
        if (refs.length) for (const s of await runs.renewWindowLeases(runId, owner, refs, leaseMs)) kept.add(s);
        for (const start of bare) if (await runs.renewWindowLease(runId, start, owner, leaseMs)) kept.add(start);
      } catch {
        // Network or throttling: the lease still has two thirds of its time; try at the next beat.
        return;
      }
      for (const start of [...held.keys()]) {
        if (kept.has(start) || !held.has(start)) continue; // kept, or stopped meanwhile
        held.delete(start);
        lost = true;
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
