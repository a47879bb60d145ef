// Refresh time per window on the embedded TimescaleDB (PGlite + timescaledb 2.23, WASM): 48
// hourly CALL refresh_continuous_aggregate with bound, typed bounds (what strategy refresh
// sends per window), then one call over all 48 hours after every row changed (a group), at two
// densities. Prints the open time and the figures; not part of bench/all.ts.
//   node --import tsx bench/timescale-refresh.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPgliteServer } from '../functions/engine/embedded/pglite-server.js';

const HOUR = 3_600_000;
const FROM = Date.UTC(2024, 2, 1);
const dir = mkdtempSync(join(tmpdir(), 'hourglass-bench-ts-'));
const opened = performance.now();
const server = await startPgliteServer({ dataDir: join(dir, 'pglite') });
console.log(`open: ${(performance.now() - opened).toFixed(0)} ms`);
const client = new pg.Client({ connectionString: server.url });
await client.connect();
try {
  for (const [label, step] of [['36 rows an hour', '5 minutes'], ['10,800 rows an hour', '1 second']] as const) {
    await client.query('DROP TABLE IF EXISTS m CASCADE');
    await client.query('CREATE TABLE m (time timestamptz NOT NULL, model text, tokens int, latency_ms double precision)');
    await client.query("SELECT create_hypertable('m', 'time', chunk_time_interval => interval '1 day')");
    await client.query(`INSERT INTO m SELECT t, md, 5, 1.5 FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 second', $3::interval) t, unnest(ARRAY['a', 'b', 'c']) md`, [new Date(FROM), new Date(FROM + 48 * HOUR), step]);
    await client.query("CREATE MATERIALIZED VIEW mh WITH (timescaledb.continuous) AS SELECT time_bucket('1 hour', time) AS bucket, model, count(*) n, sum(tokens) s, avg(latency_ms) l FROM m GROUP BY 1, 2 WITH NO DATA");
    const call = (from: number, to: number) => client.query('CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)', ['mh', new Date(from), new Date(to)]);
    const times: number[] = [];
    for (let h = 0; h < 48; h++) {
      const t = performance.now();
      await call(FROM + h * HOUR, FROM + (h + 1) * HOUR);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    await client.query('UPDATE m SET tokens = 6');
    const t = performance.now();
    await call(FROM, FROM + 48 * HOUR);
    const group = performance.now() - t;
    console.log(`${label}: hourly refresh median ${times[24]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[47]!.toFixed(1)}, 48 in ${times.reduce((a, b) => a + b, 0).toFixed(0)} ms); one refresh over 48 h after every row changed: ${group.toFixed(0)} ms`);
  }
} finally {
  await client.end();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
