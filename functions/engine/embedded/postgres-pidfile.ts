// Who owns an embedded PostgreSQL data directory right now. PostgreSQL writes
// <data>/postmaster.pid while it runs; when the Node process that started it is
// SIGKILLed, the server keeps running and the file stays, so "is that pid alive and
// really our postgres?" is the question both the start guard and test cleanup ask.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';

export interface RunningPostmaster {
  pid: number;
  port: number | null;
}

/** The postmaster recorded in `dataDir`, or null when none is running there (no file, dead pid, pid reused). */
export async function runningPostmaster(dataDir: string): Promise<RunningPostmaster | null> {
  const recorded = await readPidFile(dataDir);
  if (!recorded) return null;
  if (!isAlive(recorded.pid)) return null;
  if (!(await isPostgresOf(recorded.pid, dataDir))) return null;
  return recorded;
}

/** Removes a postmaster.pid whose process is gone or is not our postgres (PostgreSQL refuses to start over a live foreign pid). */
export async function removeStalePidFile(dataDir: string): Promise<void> {
  const recorded = await readPidFile(dataDir);
  if (!recorded) return;
  if (isAlive(recorded.pid) && (await isPostgresOf(recorded.pid, dataDir))) return;
  await rm(pidFilePath(dataDir), { force: true });
}

/**
 * Stops the postgres recorded in `dataDir`'s postmaster.pid: fast shutdown (SIGINT),
 * then immediate (SIGQUIT), then SIGKILL. Resolves true when it stopped something.
 */
export async function killPostmaster(dataDir: string): Promise<boolean> {
  const running = await runningPostmaster(dataDir);
  if (!running) return false;
  for (const [signal, waitMs] of [['SIGINT', 15_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
    if (!signal_(running.pid, signal)) return true;
    if (await waitForExit(running.pid, waitMs)) return true;
  }
  return !isAlive(running.pid);
}

export function pidFilePath(dataDir: string): string {
  return `${dataDir}/postmaster.pid`;
}

async function readPidFile(dataDir: string): Promise<RunningPostmaster | null> {
  let text: string;
  try {
    text = await readFile(pidFilePath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  // Line 1: pid, line 4: port (see PostgreSQL's miscadmin.h LOCK_FILE_LINE_*).
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const port = Number(lines[3]);
  return { pid, port: Number.isInteger(port) && port > 0 ? port : null };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but not ours to signal (we are not root) — still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** On Linux, checks /proc that the pid is a postgres started on this data dir; elsewhere trusts the pid file. */
async function isPostgresOf(pid: number, dataDir: string): Promise<boolean> {
  let cmdline: string;
  try {
    cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return !procAvailable;
    throw error;
  }
  const args = cmdline.split('\0');
  return /(^|\/)postgres$/.test(args[0] ?? '') && args.includes(dataDir);
}

// Without /proc (macOS) the pid file and a live pid are all we can go by.
const procAvailable = existsSync('/proc/self/cmdline');

function signal_(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

async function waitForExit(pid: number, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !isAlive(pid);
}
