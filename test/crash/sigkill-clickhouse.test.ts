import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs } from '../backfill/support.js';
import { POINTS, crashHarness } from './sigkill.js';

afterAll(() => cleanupTempDirs());

describe('crash harness, ClickHouse', () => {
  it(`SIGKILL at ${POINTS} seeded points, each resumed: target == source every time`, async () => {
    const report = await crashHarness('clickhouse');
    // Most points must land while windows were being written, or the harness proves little.
        expect(report.killedMidRun, JSON.stringify(report.points)).toBeGreaterThanOrEqual(Math.ceil(POINTS * 0.75));
  }, 600_000);
});
