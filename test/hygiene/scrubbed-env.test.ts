// No inherited HOURGLASS_* / AWS_* variable lets a test reach a real account: the CLI children
// tests start, the local state clients in the test process, and vitest's workers all work
// against local state with every such variable poisoned (test/support/env.ts does the scrub).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../../functions/cli/state.js';
import { DynamoLeaseProvider } from '../../functions/engine/state/leases.js';
import { cleanupTempDirs, cli, tempDir, writeMigrations, type Workspace } from '../backfill/support.js';
import { startDynamoFixture } from '../state/dynamo-fixture.js';
import { scrubbedEnv } from '../support/env.js';
import { AWS_POISON, POISON, withProcessEnv } from './poison.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
afterAll(() => cleanupTempDirs());

/** A ClickHouse workspace whose `apply` takes its lock in the local state store (a DynamoDB lease). */
function workspace(): Workspace {
  const root = tempDir('env');
  const migrations = writeMigrations(root, { '0001_t.up.sql': 'CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x;' });
  return { url: `chdb:${join(root, 'ch')}`, migrations, state: join(root, 'state') };
}

describe('scrubbed environment', () => {
  it('scrubbedEnv drops every HOURGLASS_* / AWS_* variable of the test process and keeps DATABASE_URL', async () => {
    await withProcessEnv({ ...POISON, DATABASE_URL: 'postgres://kept@127.0.0.1/x' }, async () => {
      const env = scrubbedEnv({ HOURGLASS_NOW: '2024-01-01T00:00:00Z' });
      expect(Object.keys(POISON).filter((name) => name in env)).toEqual([]);
      expect(env.DATABASE_URL).toBe('postgres://kept@127.0.0.1/x');
      expect(env.HOURGLASS_NOW).toBe('2024-01-01T00:00:00Z'); // what a test sets on purpose passes
    });
  });

  it('a CLI child started while the test process is poisoned works against its local state', async () => {
    const ws = workspace();
    const r = await withProcessEnv(POISON, () => cli(ws, ['apply']));
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('database is at version 1');
    expect(existsSync(join(ws.state, 'dynamodb'))).toBe(true); // the lease went to the local store
  });

  it('local state clients pin endpoint, region and keys: a CLI child handed AWS_* poison directly still works', async () => {
    const ws = workspace();
    const r = await cli(ws, ['apply'], AWS_POISON);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(existsSync(join(ws.state, 'dynamodb'))).toBe(true);
  });

  it('in-process local stores ignore AWS_* poison (dynalite fixture and the CLI state store)', async () => {
    await withProcessEnv(AWS_POISON, async () => {
      const fx = await startDynamoFixture();
      try {
        const leases = new DynamoLeaseProvider(fx.doc, await fx.freshTable());
        const lease = await leases.acquire('k', 'me', { ttlMs: 60_000, timeoutMs: 0 });
        expect((await leases.holder('k'))?.owner).toBe('me');
        await lease.release();
      } finally {
        await fx.close();
      }
      const state = await openStateStore(tempDir('env-state'));
      try {
        expect(await state.runs.listRuns()).toEqual([]);
      } finally {
        await state.close();
      }
    });
  });

  it('vitest workers start without the poison of the shell that ran vitest', async () => {
    const env = scrubbedEnv({ ...POISON, HOURGLASS_CRASH_SEED: '7' });
    const out = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/hygiene/env-probe.config.ts'],
        { cwd: repoRoot, env, timeout: 90_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, output: stdout + stderr }),
      );
    });
    expect(out.output).toContain('1 passed');
    expect(out.code, out.output).toBe(0);
  });
});
