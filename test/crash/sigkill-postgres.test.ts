import { describe, expect, it } from 'vitest';
import { postgresForFile } from '../backfill/support.js';
import { POINTS, crashHarness } from './sigkill.js';

const pg = postgresForFile();

describe('crash harness, PostgreSQL', () => {
  it(`SIGKILL at ${POINTS} seeded points, each resumed: target == source every time`, async () => {
    const report = await crashHarness('postgres', await pg.createDatabase('crash_harness'));
    expect(report.killedMidRun, JSON.stringify(report.points)).toBeGreaterThanOrEqual(Math.ceil(POINTS * 0.75));
  }, 600_000);
});
