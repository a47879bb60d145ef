// The README's TimescaleDB example (migrations/timescale) end to end on a `pglite:` dir,
// through the CLI: lint finds no errors, apply, a refresh backfill over a day of seeded
// samples equals the direct time_bucket aggregate, verify is clean, revert to 0 leaves
// nothing behind. Durations are printed ([measure]) for the README, never asserted.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { cleanupTempDirs, cli, cliJson, tempDir, withTarget, type Workspace } from '../backfill/support.js';

const EXAMPLE = fileURLToPath(new URL('../../migrations/timescale', import.meta.url));
const FROM = '2024-03-01T00:00:00Z'; // the backfill's range (its -- from / -- to)
const TO = '2024-03-02T00:00:00Z';

afterAll(() => cleanupTempDirs());

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await fn();
  process.stderr.write(`[measure] ${what}: ${Date.now() - started} ms\n`);
  return result;
}

type Bucket = { bucket: string; metric_name: string; samples: number; max_value: number };
const direct = (d: Parameters<Parameters<typeof withTarget>[1]>[0]) =>
  d.query<Bucket>(
    `SELECT time_bucket('1 hour', timestamp)::text AS bucket, metric_name, count(*)::int AS samples, max(value) AS max_value
       FROM metric_data_points WHERE timestamp >= '${FROM}' AND timestamp < '${TO}' GROUP BY 1, 2 ORDER BY 1, 2`,
  );
const aggregate = (d: Parameters<Parameters<typeof withTarget>[1]>[0]) =>
  d.query<Bucket>('SELECT bucket::text AS bucket, metric_name, samples::int AS samples, max_value FROM metric_stats_hourly ORDER BY 1, 2');

it('the TimescaleDB example lints clean, applies, backfills by refresh, verifies clean and reverts to 0', async () => {
  const root = tempDir('ts-example');
  const ws: Workspace = { url: `pglite:${join(root, 'db')}`, migrations: EXAMPLE, state: join(root, 'state') };

  const lint = await cli(ws, ['lint']);
  expect(lint.code, lint.stderr + lint.stdout).toBe(0);
  expect(lint.stdout + lint.stderr).not.toMatch(/\berror\b/i);

  const applied = await timed('apply of 2 migrations (CLI, PGlite open included)', () => cli(ws, ['apply']));
  expect(applied.code, applied.stderr).toBe(0);

  // Samples every 10 minutes for two metrics over the range and an hour either side of it.
  await withTarget(ws.url, (d) =>
    d.query(
      `INSERT INTO metric_data_points (id, metric_name, timestamp, value)
       SELECT md5(m || t::text)::uuid, m, t, (extract(epoch FROM t)::bigint / 600 % 37) + length(m)
         FROM generate_series('${FROM}'::timestamptz - interval '1 hour', '${TO}'::timestamptz + interval '50 minutes', interval '10 minutes') t,
              unnest(ARRAY['llm.tokens', 'llm.latency_ms']) m`,
    ),
  );
  expect(await withTarget(ws.url, aggregate)).toEqual([]); // WITH NO DATA

  const backfill = await timed('refresh backfill of 24 hourly windows (CLI, PGlite open included)', () => cliJson(ws, ['backfill', '2', '--statement-target', '0']));
  expect(backfill.json, backfill.stderr).toMatchObject({ status: 'succeeded', windows: { total: 24, succeeded: 24, failed: 0 }, rows: 24 * 2 });
  const rows = await withTarget(ws.url, async (d) => ({ direct: await direct(d), aggregate: await aggregate(d) }));
  expect(rows.direct).toHaveLength(24 * 2);
  expect(rows.aggregate).toEqual(rows.direct);

  const verify = await timed('verify (CLI)', () => cli(ws, ['verify']));
  expect(verify.code, verify.stdout + verify.stderr).toBe(0);

  const reverted = await cli(ws, ['revert', '--to', '0']);
  expect(reverted.code, reverted.stderr).toBe(0);
  const left = await withTarget(ws.url, (d) =>
    d.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'hourglass_migrations'
       UNION ALL SELECT hypertable_name FROM timescaledb_information.hypertables
       UNION ALL SELECT view_name FROM timescaledb_information.continuous_aggregates
       UNION ALL SELECT proc_name || ':' || hypertable_name FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL`,
    ),
  );
  expect(left).toEqual([]);
}, 240_000);
