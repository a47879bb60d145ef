// verify builds the expected ClickHouse schema in a scratch database on the target itself:
// the scratch is dropped on success, on failure and at the deadline; a killed verify's
// leftover is swept after an hour; migrations that would reach outside the scratch are
// refused before anything runs; unqualified statements never touch live objects; and a verify
// that cannot run is `unverified`, never clean.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { ScratchUnavailableError } from '../../functions/engine/errors.js';
import { loadMigrationSet, type MigrationSet } from '../../functions/engine/migrations/set.js';
import { openDriver } from '../../functions/engine/open-target.js';
import type { StepEnvironment } from '../../functions/engine/service/types.js';
import { verifyRun } from '../../functions/engine/service/verify-step.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { verifyTarget } from '../../functions/engine/verify/index.js';

let dir: string;
let driver: Driver;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-scratch-ch-'));
  driver = await openDriver(parseTargetUrl(`chdb:${join(dir, 'ch')}`));
});

afterAll(async () => {
  await driver?.close();
  rmSync(dir, { recursive: true, force: true });
});

let sets = 0;
function migrations(files: Record<string, string>): MigrationSet {
  const folder = join(dir, `m${++sets}`);
  mkdirSync(folder);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  return loadMigrationSet(folder);
}

const scratches = async () => (await driver.query<{ name: string }>("SELECT name FROM system.databases WHERE startsWith(name, 'hourglass_verify_') ORDER BY name")).map((r) => r.name);
const unverifiedReason = async (set: MigrationSet, deadline?: number) => {
  const env = { runs: undefined, leases: undefined, workerId: 'test', resolveTarget: undefined } as unknown as StepEnvironment;
  return verifyRun(env, driver, set, { deadline });
};

describe('the ClickHouse scratch database', () => {
  it('holds the expected schema, finds drift against it, and is gone afterwards; the session is back on the live database', async () => {
    await driver.exec('CREATE TABLE IF NOT EXISTS sc_events (at DateTime, id UInt64) ENGINE = MergeTree ORDER BY at');
    const set = migrations({ '0001_events.up.sql': 'CREATE TABLE sc_events (at DateTime, id UInt32) ENGINE = MergeTree ORDER BY at;' });
    const report = await verifyTarget(driver, set, { schemaOnly: true });
    expect(report.differences.map((d) => `${d.kind} ${d.object} ${d.expected} → ${d.actual}`)).toContain('column_type sc_events.id UInt32 → UInt64');
    expect(await scratches()).toEqual([]);
    expect(await driver.query('SELECT currentDatabase() AS db')).toEqual([{ db: 'default' }]);
  });

  it('runs unqualified statements inside the scratch only: a migration that drops and recreates a table leaves the live rows alone', async () => {
    await driver.exec('CREATE TABLE sc_keep (id UInt64) ENGINE = MergeTree ORDER BY id');
    await driver.exec('INSERT INTO sc_keep SELECT number FROM numbers(100)');
    const set = migrations({ '0001_keep.up.sql': 'DROP TABLE IF EXISTS sc_keep;\nCREATE TABLE sc_keep (id UInt64) ENGINE = MergeTree ORDER BY id;\nINSERT INTO sc_keep VALUES (1);\nTRUNCATE TABLE sc_keep;' });
    await verifyTarget(driver, set, { schemaOnly: true });
    expect(await driver.query('SELECT count() AS n FROM sc_keep')).toEqual([{ n: 100 }]);
    expect(await scratches()).toEqual([]);
  });

  it('a migration that fails on the scratch makes verify unverified with the reason, and drops the scratch', async () => {
    const set = migrations({ '0001_bad.up.sql': 'CREATE TABLE sc_bad (a UInt8) ENGINE = NoSuchEngine;' });
    await expect(verifyTarget(driver, set, { schemaOnly: true })).rejects.toThrow(ScratchUnavailableError);
    const out = await unverifiedReason(set);
    expect(out).toMatchObject({ status: 'unverified', clean: false });
    expect(out.reason).toMatch(/migration 1 \(bad\) failed on a scratch database/);
    expect(await scratches()).toEqual([]);
  });

  it('refuses migrations a scratch cannot isolate before creating anything: another database, ON CLUSTER, Replicated engines', async () => {
    const cases: [string, RegExp][] = [
      ['CREATE TABLE default.sc_side (a UInt8) ENGINE = Memory;', /names database default/],
      ["CREATE TABLE sc_c ON CLUSTER main (a UInt8) ENGINE = Memory;", /ON CLUSTER/],
      ["CREATE TABLE sc_r (a UInt8) ENGINE = ReplicatedMergeTree('/t/sc_r', 'r1') ORDER BY a;", /Replicated engine/],
    ];
    for (const [sql, reason] of cases) {
      const set = migrations({ '0001_x.up.sql': sql });
      const error = await verifyTarget(driver, set, { schemaOnly: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ScratchUnavailableError);
      expect((error as ScratchUnavailableError).reason).toBe('isolation');
      expect((error as Error).message).toMatch(reason);
    }
    expect(await scratches()).toEqual([]);
  });

  it('gives up before the deadline and leaves nothing behind', async () => {
    const set = migrations({ '0001_ok.up.sql': 'CREATE TABLE sc_ok (a UInt8) ENGINE = Memory;' });
    const out = await unverifiedReason(set, Date.now() - 1);
    expect(out.status).toBe('unverified');
    expect(out.reason).toMatch(/no time left before the deadline/);
    expect(await scratches()).toEqual([]);
  });

  it('drops the leftover of a killed verify once it is an hour old, and only then', async () => {
    const old = `hourglass_verify_${Math.floor(Date.now() / 1000) - 7200}_deadbeef`;
    const recent = `hourglass_verify_${Math.floor(Date.now() / 1000) - 60}_cafebabe`;
    await driver.exec(`CREATE DATABASE ${old}`);
    await driver.exec(`CREATE DATABASE ${recent}`);
    const set = migrations({ '0001_ok.up.sql': 'CREATE TABLE sc_ok2 (a UInt8) ENGINE = Memory;' });
    await verifyTarget(driver, set, { schemaOnly: true });
    expect(await scratches()).toEqual([recent]);
    await driver.exec(`DROP DATABASE ${recent}`);
  });
});
