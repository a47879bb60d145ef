// Who holds a window lease, when it is a local process: its pid and host are written on the
// lease, so a resume on the same host can tell at once that the holder is gone (a killed
// `hourglass run`) instead of waiting for the lease to expire. Lambda workers record none:
// sandboxes share host names and pids, so only the lease's expiry speaks for them.
import { hostname } from 'node:os';

export interface LeaseHolder {
  pid: number;
  host: string;
}

export function thisProcess(): LeaseHolder {
  return { pid: process.pid, host: hostname() };
}

/**
 * True only when the holder ran on this host and its process no longer exists (signal 0
 * answers ESRCH). Another host, our own pid, a live process or one we may not signal (EPERM)
 * all count as alive: the lease is then left to expire.
 */
export function holderIsGone(holder: Partial<LeaseHolder>, here: LeaseHolder = thisProcess()): boolean {
  if (typeof holder.pid !== 'number' || !Number.isInteger(holder.pid) || holder.pid <= 0 || holder.host !== here.host || holder.pid === here.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
