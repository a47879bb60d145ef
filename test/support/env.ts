// The one place tests decide what environment code under test sees. An inherited
// HOURGLASS_* or AWS_* variable (a profile, keys, a region, an endpoint, a table name, a
// state machine ARN) could point a CLI child or an in-process client at a real account, so
// both are removed: from vitest's own process before any worker forks (vitest.config.ts)
// and from every child a test starts (scrubbedEnv). DATABASE_URL stays: it is a deliberate
// opt-in to an external PostgreSQL (test/support/postgres.ts).

/** Test knobs read by the test process itself, never by product code. */
const TEST_KNOBS = new Set(['HOURGLASS_CRASH_POINTS', 'HOURGLASS_CRASH_SEED', 'HOURGLASS_TEST_NODE_MAJOR']);

/** Set in every scrubbed environment: the AWS SDK's Node 20 notice is noise in tests. */
const QUIET: Record<string, string> = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

export function isScrubbed(name: string): boolean {
  const upper = name.toUpperCase();
  return (upper.startsWith('HOURGLASS_') && !TEST_KNOBS.has(upper)) || upper.startsWith('AWS_');
}

/** This process's environment without HOURGLASS_* / AWS_*, plus `extra` (what the test means to set). */
export function scrubbedEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!isScrubbed(key)) env[key] = value;
  return { ...env, ...QUIET, ...extra };
}

/** Removes HOURGLASS_* / AWS_* from this process (vitest's main process, before workers fork). */
export function scrubProcessEnv(): string[] {
  const removed = Object.keys(process.env).filter(isScrubbed);
  for (const key of removed) delete process.env[key];
  Object.assign(process.env, QUIET);
  return removed;
}
