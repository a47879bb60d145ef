// pglite:<dir> on the real embedded TimescaleDB: TimescaleDB detected; one session carries the
// migration lock and overlapping transactions without deadlock; one owner process per dir; bad paths.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { ownerFile, startPgliteTarget } from '../../functions/engine/embedded/pglite-host.js';
import { ConnectionError, UsageError } from '../../functions/engine/errors.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';

const root = mkdtempSync(join(tmpdir(), 'hourglass-pglite-'));
let driver: Driver;

beforeAll(async () => {
  driver = await openDriver(parseTargetUrl(`pglite:${join(root, 'db')}`));
}, 120_000);

afterAll(async () => {
  await driver?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('pglite: target', () => {
  it('is a postgres target whose driver detects TimescaleDB', async () => {
    const target = parseTargetUrl('pglite:some/dir');
    expect(target).toMatchObject({ engine: 'postgres', kind: 'pglite', database: 'postgres' });
    expect(await driver.hasTimescaleDb()).toBe(true);
  });

  it('holds the migration lock and runs overlapping transactions on its one session, in turn', async () => {
    const lock = await driver.acquireMigrationLock('test-a', 1_000);
    // A second Migrator in this process waits for the first (an advisory lock alone is re-entrant in one session).
    await expect(driver.acquireMigrationLock('test-b', 200)).rejects.toThrow(/holds the migration lock/);
    await driver.exec('CREATE TABLE overlap (n int)');
    const order: string[] = [];
    await Promise.all([1, 2, 3].map((n) => driver.transaction(async (tx) => {
      order.push(`begin ${n}`);
      await tx.exec('INSERT INTO overlap VALUES ({n})', { n });
      await new Promise((r) => setTimeout(r, 20));
      order.push(`end ${n}`);
    })));
    expect(order).toEqual(['begin 1', 'end 1', 'begin 2', 'end 2', 'begin 3', 'end 3']);
    expect(await driver.query('SELECT count(*)::int AS n FROM overlap')).toEqual([{ n: 3 }]);
    await lock.release();
    await (await driver.acquireMigrationLock('test-b', 1_000)).release();
  });

  it('refuses a directory another live process owns, naming its pid', async () => {
    const dir = join(root, 'owned');
    writeFileSync(ownerFile(dir), JSON.stringify({ pid: process.ppid }));
    const error = await startPgliteTarget(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(new RegExp(`is in use by another process \\(pid ${process.ppid}\\)`));
  });

  it('refuses bad paths with a usage error (exit 2) before opening anything', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    await expect(startPgliteTarget(file)).rejects.toSatisfy((e: unknown) => e instanceof UsageError && /is not a directory/.test((e as Error).message));
    const junk = join(root, 'junk');
    rmSync(junk, { recursive: true, force: true });
    await import('node:fs').then((fs) => { fs.mkdirSync(junk); fs.writeFileSync(join(junk, 'notes.txt'), 'x'); });
    await expect(startPgliteTarget(junk)).rejects.toSatisfy((e: unknown) => e instanceof UsageError && /neither empty nor a PGlite data directory/.test((e as Error).message));
  });
});
