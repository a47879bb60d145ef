// Runs the bundled CLI (`node bin/hourglass.mjs …`, built once by vitest's global setup) as a
// child process, the way users and other tools run it, and collects its exit code and output.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scrubbedEnv } from '../support/env.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'hourglass.mjs');
const CLI_TIMEOUT_MS = 90_000;

export interface CliResult {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: scrubbedEnv() /* only the flags of each call decide where it points */, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // A hung CLI must fail its test, not hold the suite until vitest's own timeout.
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ args, code: code ?? (signal ? -1 : 0), stdout, stderr });
    });
  });
}

/** What a failed expectation prints: the call and everything it said. */
export function describeRun(result: CliResult): string {
  return `hourglass ${result.args.join(' ')}\n--- exit ${result.code}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
}

/** Parses stdout as one JSON document, saying which call printed what when it is not. */
export function jsonOf<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new Error(`stdout is not JSON: ${error.message}\n${describeRun(result)}`);
  }
}
