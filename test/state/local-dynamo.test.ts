import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalDynamo } from '../../functions/engine/state/local-dynamo.js';
import { scrubbedEnv } from '../support/env.js';
import { createDocumentClient, ensureTable } from '../../functions/engine/state/client.js';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { newRun, hourlyPlan } from './run-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'hourglass-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const childScript = fileURLToPath(new URL('./fixtures/open-state-dir.ts', import.meta.url));

/** Runs the child that opens a state dir (or memory); resolves with its JSON line, exit code and wall time. */
function openInChild(dir?: string): Promise<{ out: Record<string, unknown>; code: number; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', childScript, ...(dir === undefined ? [] : [dir])],
      { timeout: 30_000, env: scrubbedEnv() },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve({ out: JSON.parse(line) as Record<string, unknown>, code: error ? Number(error.code ?? -1) : 0, ms: Date.now() - started });
        } catch {
          reject(new Error(`child printed no result (killed: ${String(error?.killed)}): ${stdout}${stderr}`));
        }
      },
    );
  });
}

async function openStore(dir?: string) {
  const local = await startLocalDynamo({ dir });
  const doc = await createDocumentClient({ endpoint: local.endpoint });
  await ensureTable(doc, 'hourglass-state');
  return {
    store: new RunStore(doc, 'hourglass-state'),
    close: async () => {
      doc.destroy();
      await local.close();
    },
  };
}

describe('startLocalDynamo', () => {
  it('on disk: a run and its windows survive closing and reopening the directory', async () => {
    const dir = join(root, 'persist');
    const first = await openStore(dir);
    await first.store.createRun(newRun('kept'));
    await first.store.putWindows('kept', hourlyPlan(30));
    await first.close();

    const second = await openStore(dir);
    try {
      expect(await second.store.getRun('kept')).toMatchObject({ runId: 'kept', windowCount: 30, counts: { pending: 30 } });
      expect(await second.store.listWindows('kept')).toHaveLength(30);
    } finally {
      await second.close();
    }
  });

  it('in memory: nothing survives', async () => {
    const first = await openStore();
    await first.store.createRun(newRun('gone'));
    await first.close();
    const second = await openStore();
    try {
      expect(await second.store.getRun('gone')).toBeNull();
    } finally {
      await second.close();
    }
  });

  it('a second process opening a directory in use fails with one clear LockBusyError line', async () => {
    const dir = join(root, 'busy');
    const held = await openStore(dir);
    try {
      const { out, code } = await openInChild(dir);
      expect(out).toEqual({ ok: false, name: 'LockBusyError', message: `state directory ${dir} is in use by another hourglass process`, exitCode: 1 });
      expect(code).toBe(1);
      // The holder is unaffected.
      await held.store.createRun(newRun('still-mine'));
    } finally {
      await held.close();
    }
    // Released on close: the other process can open it now.
    const { out } = await openInChild(dir);
    expect(out).toEqual({ ok: true, v: 42 });
  });

  it('the process ends by itself once the server and client are closed (memory and disk)', async () => {
    for (const dir of [undefined, join(root, 'exit')]) {
      const { out, code, ms } = await openInChild(dir);
      expect(out).toEqual({ ok: true, v: 42 });
      expect(code).toBe(0);
      expect(ms).toBeLessThan(15_000); // nothing (dynalite's 30 s shutdown timer, sockets) keeps it alive
    }
  });
});
