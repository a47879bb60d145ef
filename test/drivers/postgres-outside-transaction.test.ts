// withStatementLimits({ outsideTransaction }) on a real PostgreSQL: the work runs in a plain
// session (what refuses a transaction block runs: VACUUM here, TimescaleDB's
// refresh_continuous_aggregate in test/timescale), under the group's time limit and label,
// and the session is unlimited and unnamed again afterwards, also after a failure. When the
// main session is busy with a transaction, the work takes a session of its own.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { openPostgres } from '../../functions/engine/drivers/postgres/index.js';
import { parseTargetUrl, type TargetUrl } from '../../functions/engine/target-url.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

let server: TestPostgres;
let driver: Driver;
beforeAll(async () => {
  server = await startTestPostgres();
  const url = await server.createDatabase('pg_outside_tx');
  driver = await openPostgres(parseTargetUrl(url) as Extract<TargetUrl, { engine: 'postgres' }>);
  await driver.exec('CREATE TABLE t (n int)');
});
afterAll(async () => {
  await driver?.close();
  await server?.stop();
});

const settings = (exec: Pick<Driver, 'query'>) =>
  exec.query<{ timeout: string; name: string }>("SELECT current_setting('statement_timeout') AS timeout, current_setting('application_name') AS name").then((r) => r[0]!);

it('runs outside a transaction with the limits on, and resets them after', async () => {
  const inside = await driver.withStatementLimits({ outsideTransaction: true, timeLimitMs: 5_000, label: 'hg-test-w1' }, async (exec) => {
    await exec.exec('VACUUM t'); // "VACUUM cannot run inside a transaction block" otherwise
    return settings(exec);
  });
  expect(inside).toEqual({ timeout: '5s', name: 'hg-test-w1' });
  expect(await settings(driver)).toEqual({ timeout: '0', name: 'hourglass' });
  // The same work in the default (transactional) mode is refused: the test can tell the two apart.
  await expect(driver.withStatementLimits({ label: 'hg-test-w2' }, (exec) => exec.exec('VACUUM t'))).rejects.toThrow(/cannot run inside a transaction block/);
});

it('the time limit stops a statement, and the session is reset after the failure', async () => {
  const run = driver.withStatementLimits({ outsideTransaction: true, timeLimitMs: 100, label: 'hg-test-slow' }, (exec) => exec.exec('SELECT pg_sleep(5)'));
  const error = await run.then(() => null, (e: unknown) => e);
  expect(driver.isStatementTimeout(error)).toBe(true);
  expect(await settings(driver)).toEqual({ timeout: '0', name: 'hourglass' });
});

it('while a transaction holds the main session, the work runs on a session of its own', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const tx = driver.transaction(async (t) => {
    await t.exec('INSERT INTO t VALUES (1)');
    await held;
  });
  const pids = await driver.withStatementLimits({ outsideTransaction: true, label: 'hg-test-side' }, async (exec) => {
    await exec.exec('VACUUM t');
    return (await exec.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid;
  });
  release();
  await tx;
  const main = (await driver.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid;
  expect(pids).not.toBe(main);
});
