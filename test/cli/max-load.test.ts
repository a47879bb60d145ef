// The database-load valve on both engines: a backfill declares `-- max-load: <SQL> <= 5`
// whose SQL reads a control value the test drives above the threshold and back below. While
// it is above, no window is claimed and the run shows "throttled by load"; once below, the
// backfill finishes with every row once and every window run once.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROWS, fixtureWorkspace, type EngineName } from '../backfill/fixture-migrations.js';
import { cleanupTempDirs, cli, cliJson, facts, postgresForFile, spawnCli, tempDir, windowsOf, withTarget, type Workspace } from '../backfill/support.js';

const pg = postgresForFile();
afterAll(() => cleanupTempDirs());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Adds the max-load header to the fixture's backfill; returns how the test sets the load. */
function withMaxLoad(ws: Workspace, engine: EngineName): (load: number) => Promise<void> {
  const file = readdirSync(ws.migrations).find((f) => f.endsWith('.backfill.sql'))!;
  let setLoad: (load: number) => Promise<void>;
  let sql: string;
  if (engine === 'clickhouse') {
    // chdb is one process's: the control value is a file the gate's SQL reads with file().
    const control = join(tempDir('load'), 'load.csv');
    writeFileSync(control, '10\n');
    sql = `SELECT max(v) FROM file('${control}', 'CSV', 'v Int64')`;
    setLoad = async (load) => writeFileSync(control, `${load}\n`);
  } else {
    sql = 'SELECT max(v) FROM load_control';
    setLoad = (load) => withTarget(ws.url, (d) => d.exec('UPDATE load_control SET v = {v}', { v: load }));
  }
  const path = join(ws.migrations, file);
  writeFileSync(path, readFileSync(path, 'utf8').replace('-- target: dst', `-- target: dst\n-- max-load: ${sql} <= 5`));
  return setLoad;
}

describe.each([['clickhouse'], ['postgres']] as Array<[EngineName]>)('%s: -- max-load', (engine) => {
  it('waits while the load is above the threshold, then finishes exactly', async () => {
    const ws = fixtureWorkspace(engine, {}, engine === 'postgres' ? await pg.createDatabase('max_load') : undefined);
    const setLoad = withMaxLoad(ws, engine);
    expect((await cli(ws, ['apply'])).code).toBe(0);
    if (engine === 'postgres') await withTarget(ws.url, async (d) => {
      await d.exec('CREATE TABLE load_control (v bigint)');
      await d.exec('INSERT INTO load_control VALUES (10)');
    });

    let stderr = '';
    const { child, exited } = spawnCli(ws, ['backfill', '2', '--run-id', 'loaded'], (chunk) => (stderr += chunk));
    let line = '';
    for (let i = 0; i < 600 && !line.includes('throttled by load'); i++) {
      line = (await cli(ws, ['runs'])).stdout;
      await sleep(200);
    }
    expect(line).toMatch(/loaded .* throttled by load \(10 > 5\)/);
    const held = await windowsOf(ws, 'loaded');
    expect(held.filter((w) => w.status !== 'pending')).toEqual([]);
    expect(child.exitCode).toBeNull();

    await setLoad(0);
    const exit = await exited;
    expect(exit.code, stderr).toBe(0);
    const after = await windowsOf(ws, 'loaded');
    expect(after.every((w) => w.status === 'succeeded' && w.attempts === 1)).toBe(true);
    const runs = await cliJson(ws, ['runs']);
    expect(runs.json.runs[0]).toMatchObject({ runId: 'loaded', status: 'succeeded', rows: DEFAULT_ROWS });
    expect((await cli(ws, ['runs'])).stdout).not.toContain('throttled by load');
    const [target, source] = [await facts(ws.url, 'dst'), await facts(ws.url, 'src')];
    expect(target).toEqual(source);
  }, 600_000);
});

it('a malformed max-load header is refused', async () => {
  const ws = fixtureWorkspace('clickhouse');
  const file = readdirSync(ws.migrations).find((f) => f.endsWith('.backfill.sql'))!;
  const path = join(ws.migrations, file);
  writeFileSync(path, readFileSync(path, 'utf8').replace('-- target: dst', '-- target: dst\n-- max-load: SELECT 1'));
  const r = await cli(ws, ['plan', '2']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/max-load must be "<SQL returning one number> <= <threshold>"/);
});
