// Shared by the TimescaleDB tests: one embedded TimescaleDB (PGlite + timescaledb served on
// 127.0.0.1) per test, a copy of the fixture migrations, and the llm_metrics rows the
// backfills read. PGlite takes ONE client at a time: the test process connects only between
// CLI calls, and always disconnects (withTarget) before the next one.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPgliteServer, type PgliteServer } from '../../functions/engine/embedded/pglite-server.js';
import { HOUR, tempDir, withTarget, type Workspace } from '../backfill/support.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/migrations', import.meta.url));
/** The fixture backfills' range: 48 hourly windows. */
export const RANGE_START = Date.UTC(2024, 2, 1);
export const RANGE_END = RANGE_START + 48 * HOUR;

export interface TimescaleWorkspace extends Workspace {
  server: PgliteServer;
}

/** A fresh embedded TimescaleDB and a workspace on it (migrations copied, so a test may edit them). */
export async function timescaleWorkspace(prefix: string): Promise<TimescaleWorkspace> {
  const root = tempDir(prefix);
  const server = await startPgliteServer({ dataDir: join(root, 'pglite') });
  const migrations = join(root, 'migrations');
  cpSync(FIXTURES, migrations, { recursive: true });
  return { server, url: server.url, migrations, state: join(root, 'state') };
}

/**
 * Rows every 5 minutes for three models over [from, to): tokens and latency vary by time and
 * model, so a bucket computed over the wrong rows differs.
 */
export async function insertMetrics(url: string, from: number, to: number): Promise<number> {
  return withTarget(url, async (d) => {
    const [row] = await d.query<{ n: string }>(
      `WITH ins AS (
         INSERT INTO llm_metrics (time, model, tokens, latency_ms)
         SELECT t, m, (extract(epoch FROM t)::bigint / 300 % 97)::int + length(m), (extract(epoch FROM t)::bigint % 1000) / 10.0 + length(m)
           FROM generate_series({from}::timestamptz, {to}::timestamptz - interval '1 second', interval '5 minutes') t,
                unnest(ARRAY['gpt-4o', 'claude-3', 'llama-3']) m
         RETURNING 1)
       SELECT count(*)::text AS n FROM ins`,
      { from: new Date(from), to: new Date(to) },
    );
    return Number(row!.n);
  });
}

export type Bucket = {
  bucket: string;
  model: string;
  requests: number;
  tokens: number;
  latency: string;
};

const COLUMNS = `model, requests::int AS requests, tokens::int AS tokens, round(latency_ms::numeric, 6)::text AS latency`;

/** The continuous aggregate's rows, in bucket and model order. */
export async function aggregateRows(url: string): Promise<Bucket[]> {
  return withTarget(url, (d) =>
    d.query<Bucket>(`SELECT to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS bucket, ${COLUMNS} FROM llm_metrics_hourly ORDER BY bucket, model`),
  );
}

/** The same aggregate computed directly from the hypertable with time_bucket, over [from, to). */
export async function directRows(url: string, from: number, to: number): Promise<Bucket[]> {
  return withTarget(url, (d) =>
    d.query<Bucket>(
      `SELECT to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS bucket, ${COLUMNS}
         FROM (SELECT time_bucket('1 hour', time) AS bucket, model, count(*) AS requests, sum(tokens) AS tokens, avg(latency_ms) AS latency_ms
                 FROM llm_metrics WHERE time >= {from} AND time < {to} GROUP BY 1, 2) direct
        ORDER BY bucket, model`,
      { from: new Date(from), to: new Date(to) },
    ),
  );
}
