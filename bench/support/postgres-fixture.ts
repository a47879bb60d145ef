// The PostgreSQL backfill bench's world: a source table `src` with an index on its time
// column and an identical copy `src_noidx` without one; for each, a target the state machine
// fills (dst, dst_noidx: 0002 and 0003, each with its backfill) and an identical target for
// the one-statement baseline (dst_single, dst_noidx_single). Targets are indexed on ts (the
// delete and the per-window count use it); only the source's index differs between the cases.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Driver } from '../../functions/engine/drivers/driver.js';

const COLUMNS = 'id bigint NOT NULL, ts timestamptz NOT NULL, service text NOT NULL, v double precision NOT NULL, payload text NOT NULL';

export type Source = 'src' | 'src_noidx';
export const CASES = {
  src: { version: 2, target: 'dst', single: 'dst_single' },
  src_noidx: { version: 3, target: 'dst_noidx', single: 'dst_noidx_single' },
} as const;

export function pgWindowStatement(source: Source, target: string): string {
  return `INSERT INTO ${target} (id, ts, service, v, payload) SELECT id, ts, service, v, payload FROM ${source} WHERE ts >= {window_start} AND ts < {window_end}`;
}

function targets(...names: string[]): string {
  return names.map((t) => `CREATE TABLE ${t} (${COLUMNS});\nCREATE INDEX ${t}_ts_idx ON ${t} (ts);\n`).join('\n');
}

function backfill(source: Source): string {
  const { target } = CASES[source];
  return [
    `-- target: ${target}`,
    '-- time-column: ts',
    `-- source: ${source}`,
    `-- from: SELECT min(ts) FROM ${source}`,
    `-- to: SELECT max(ts) + interval '1 millisecond' FROM ${source}`,
    '-- strategy: delete',
    pgWindowStatement(source, target),
    '',
  ].join('\n');
}

export function writePostgresMigrations(root: string): string {
  const dir = join(root, 'migrations');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '0001_sources.up.sql'), `CREATE TABLE src (${COLUMNS});\nCREATE INDEX src_ts_idx ON src (ts);\nCREATE TABLE src_noidx (${COLUMNS});\n`);
  writeFileSync(join(dir, '0002_copy_indexed.up.sql'), targets('dst', 'dst_single'));
  writeFileSync(join(dir, '0002_copy_indexed.backfill.sql'), backfill('src'));
  writeFileSync(join(dir, '0003_copy_unindexed.up.sql'), targets('dst_noidx', 'dst_noidx_single'));
  writeFileSync(join(dir, '0003_copy_unindexed.backfill.sql'), backfill('src_noidx'));
  return dir;
}

/** `rows` rows spread evenly over [from, to), generated inside PostgreSQL, into both sources. */
export async function seedSources(driver: Driver, from: Date, to: Date, rows: number): Promise<void> {
  const stepMs = Math.floor((to.getTime() - from.getTime()) / rows);
  await driver.exec(
    `INSERT INTO src_noidx (id, ts, service, v, payload)
     SELECT g, {from}::timestamptz + (g::bigint * {step_ms}) * interval '1 millisecond', 'service-' || (g % 8), (g % 1000) / 10.0, md5(g::text)
     FROM generate_series(0::bigint, {last}) AS g`,
    { from, step_ms: stepMs, last: rows - 1 },
  );
  await driver.exec('INSERT INTO src SELECT * FROM src_noidx');
  // Visibility map and statistics as a table that has lived a while would have them.
  await driver.exec('VACUUM ANALYZE src');
  await driver.exec('VACUUM ANALYZE src_noidx');
}
