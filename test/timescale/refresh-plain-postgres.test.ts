// Strategy refresh is TimescaleDB's, detected, not configured: on a PostgreSQL without the
// timescaledb extension, and on a target that is not a continuous aggregate, plan refuses it
// with one line (exit 2) before anything is recorded.
import { expect, it } from 'vitest';
import { cli, cliJson, postgresForFile, tempDir, writeMigrations } from '../backfill/support.js';
import { join } from 'node:path';

const pg = postgresForFile();

it('on plain PostgreSQL: "needs TimescaleDB", exit 2, no run recorded', async () => {
  const root = tempDir('ts-refresh-plain');
  const ws = {
    url: await pg.createDatabase('ts_refresh_plain'),
    migrations: writeMigrations(root, {
      '0001_metrics.up.sql': 'CREATE TABLE metrics (bucket timestamptz NOT NULL, n int);\n',
      '0001_metrics.backfill.sql': "-- strategy: refresh\n-- time-column: bucket\n-- from: 2024-03-01T00:00:00Z\n-- to: 2024-03-02T00:00:00Z\nCALL refresh_continuous_aggregate('metrics', {window_start}, {window_end});\n",
    }),
    state: join(root, 'state'),
  };
  expect((await cli(ws, ['apply'])).code).toBe(0);
  const r = await cli(ws, ['backfill', '1']);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trim()).toMatch(/^error: strategy refresh: needs TimescaleDB, but the timescaledb extension is not installed on postgres:\/\/[^\n]*$/);
  expect((await cliJson(ws, ['runs'])).json.runs).toEqual([]);
});
