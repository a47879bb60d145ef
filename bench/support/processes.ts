// Whole-process timing: from spawn() to the child's exit, as a user at a shell sees it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ProcessRun {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

export function timeProcess(args: string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      // stdio may still hold the last bytes: wait for the pipes to close before reading them.
      child.on('close', () => resolve({ ms, code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    });
  });
}

/** Runs and insists on exit 0 and, when given, a fragment of the output. */
export async function mustRun(args: string[], expect?: RegExp, env: Record<string, string> = {}): Promise<ProcessRun> {
  const run = await timeProcess(args, env);
  if (run.code !== 0 || (expect && !expect.test(run.stdout + run.stderr))) {
    throw new Error(`node ${args.join(' ')} exited ${run.code}${expect ? ` (expected ${expect})` : ''}:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
  }
  return run;
}
