// Runs the bundled CLI as a user would (bin/hourglass.mjs), capturing output and exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scrubbedEnv } from '../support/env.js';

export const BIN = fileURLToPath(new URL('../../bin/hourglass.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function hourglass(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return runNode([BIN, ...args], options);
}

/** `node <nodeArgs>` with a scrubbed environment (the CLI with Node flags before it, or a bare script). */
export function runNode(nodeArgs: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: options.cwd, env: scrubbedEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
