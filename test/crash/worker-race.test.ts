// Two workers racing over the same run (as two Map children or two resumed processes
// would): the conditional claim in DynamoDB lets exactly one run each window.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executeWindows } from '../../functions/engine/backfill/executor.js';
import { planRun } from '../../functions/engine/backfill/plan.js';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { loadMigrationSet } from '../../functions/engine/migrations/set.js';
import { Migrator } from '../../functions/engine/migrator/index.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { DynamoLeaseProvider } from '../../functions/engine/state/leases.js';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { migrationFiles, DEFAULT_ROWS } from '../backfill/fixture-migrations.js';
import { tableFacts, writeMigrations } from '../backfill/support.js';
import { startDynamoFixture, type DynamoFixture } from '../state/dynamo-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'hourglass-race-'));
let dynamo: DynamoFixture;
let driver: Driver;
let runs: RunStore;

beforeAll(async () => {
  dynamo = await startDynamoFixture();
  const table = await dynamo.freshTable();
  runs = new RunStore(dynamo.doc, table);
  driver = await openDriver(parseTargetUrl(`chdb:${join(root, 'ch')}`), { leases: new DynamoLeaseProvider(dynamo.doc, table) });
  const set = loadMigrationSet(writeMigrations(root, migrationFiles('clickhouse')));
  await new Migrator(driver, set, { runId: 'race' }).apply();
  await planRun(driver, runs, set, { version: 2, concurrency: 2, runId: 'race' });
});

afterAll(async () => {
  await driver?.close();
  await dynamo?.close();
  rmSync(root, { recursive: true, force: true });
});

it('two workers over one run: every window runs exactly once, rows exact', async () => {
  const set = loadMigrationSet(join(root, 'migrations'));
  const { loadDefinition } = await import('../../functions/engine/backfill/plan.js');
  const { def } = await loadDefinition(set, 2);
  const work = (owner: string) => executeWindows(driver, runs, def, 2, { runId: 'race', owner, concurrency: 3, allow: ['pending'] });
  const [a, b] = await Promise.all([work('worker-a'), work('worker-b')]);
  const windows = await runs.listWindows('race');
  expect(a.succeeded + b.succeeded).toBe(windows.length);
  expect(a.succeeded).toBeGreaterThan(0);
  expect(b.succeeded).toBeGreaterThan(0);
  expect(a.skipped + b.skipped).toBe(windows.length);
  expect(windows.every((w) => w.status === 'succeeded' && w.attempts === 1)).toBe(true);
  const facts = await tableFacts(driver, 'dst');
  expect(facts.count).toBe(DEFAULT_ROWS);
  expect(facts.distinct).toBe(DEFAULT_ROWS);
  expect(facts).toEqual(await tableFacts(driver, 'src'));
});
