import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs } from '../backfill/support.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { POINTS, crashHarness } from './sigkill.js';

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
});
afterAll(async () => {
  await pg?.stop();
  cleanupTempDirs();
});

describe('crash harness, PostgreSQL', () => {
  it(`SIGKILL at ${POINTS} seeded points, each resumed: target == source every time`, async () => {
    const report = await crashHarness('postgres', await pg.createDatabase('crash_harness'));
    expect(report.killedMidRun, JSON.stringify(report.points)).toBeGreaterThanOrEqual(Math.ceil(POINTS * 0.75));
  }, 600_000);
});
