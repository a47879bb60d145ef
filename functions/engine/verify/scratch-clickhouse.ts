// The expected ClickHouse schema, built in a child process (scratch-child.ts): embedded
// ClickHouse allows one data directory per process, and this process may already have
// the target's directory open. The child is the bundled dist/verify-scratch.mjs when
// running from the CLI bundle, or the TypeScript source run through tsx (tests, tsx).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OperationError } from '../errors.js';
import type { MigrationSet } from '../migrations/set.js';
import type { ScratchPlan } from './scratch-apply.js';
import { RESULT_MARK, type ScratchRequest } from './scratch-protocol.js';
import type { SchemaSnapshot } from './types.js';

/** Building the scratch schema applies every migration: generous, but a hung child must not hang verify. */
const CHILD_TIMEOUT_MS = 10 * 60_000;

/** `node` arguments that run the scratch child from wherever this module was loaded. */
export function scratchChildArgs(moduleUrl = import.meta.url): string[] {
  if (moduleUrl.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href;
    return ['--import', tsx, fileURLToPath(new URL('./scratch-child.ts', moduleUrl))];
  }
  // Bundled: this code sits in dist/ or dist/chunks/, the child entry in dist/.
  for (const candidate of ['./verify-scratch.mjs', '../verify-scratch.mjs']) {
    const path = fileURLToPath(new URL(candidate, moduleUrl));
    if (existsSync(path)) return [path];
  }
  throw new OperationError('verify cannot find its scratch helper verify-scratch.mjs next to the bundle: rebuild with `npm run build`');
}

export async function clickHouseExpectedSnapshot(set: MigrationSet, plan: ScratchPlan, now: Date): Promise<SchemaSnapshot> {
  const request: ScratchRequest = { ...plan, migrationsDir: set.dir, now: now.toISOString() };
  const { stdout, stderr, code } = await runChild(scratchChildArgs(), JSON.stringify(request));
  const line = stdout.split('\n').reverse().find((l) => l.startsWith(RESULT_MARK));
  if (!line) {
    const reason = stderr.split('\n').map((l) => l.trim()).filter(Boolean).slice(-3).join(' | ') || `exit code ${code}`;
    throw new OperationError(`cannot build the expected schema: the scratch ClickHouse process failed: ${reason}`);
  }
  const result = JSON.parse(line.slice(RESULT_MARK.length)) as { snapshot?: SchemaSnapshot; error?: string };
  if (!result.snapshot) throw new OperationError(result.error ?? 'cannot build the expected schema: the scratch ClickHouse process gave no snapshot');
  return result.snapshot;
}

function runChild(args: string[], input: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new OperationError(`cannot start the scratch ClickHouse process: ${error.message}`, { cause: error }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code });
    });
    child.stdin.on('error', () => undefined); // a child that died early: its exit status tells why
    child.stdin.end(input);
  });
}
