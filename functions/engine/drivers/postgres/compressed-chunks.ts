// A backfill window that fails on a compressed TimescaleDB chunk. TimescaleDB 2.11+ runs
// DELETE and INSERT on compressed chunks by decompressing the batches they touch, so a window
// usually just works; it fails when DML decompression is off for the session
// (timescaledb.enable_dml_decompression) or the window decompresses more rows than one
// transaction may (timescaledb.max_tuples_decompressed_per_dml_transaction, 100 000 by
// default). Neither error names the chunk: this finds the compressed chunks of the target in
// the window and says, in one line, what to run.
import { OperationError } from '../../errors.js';
import type { BackfillDefinition } from '../../backfill/definition.js';
import type { Driver } from '../driver.js';
import { qualifiedName, windowParams, type TimeSpan } from '../window-range.js';

const CAUSES: Array<{ match: (code: string, message: string) => boolean; what: string; instead: string }> = [
  {
    match: (code, message) => code === '0A000' && /compressed chunk/i.test(message),
    what: 'UPDATE/DELETE is disabled on compressed chunks here',
    instead: 'or SET timescaledb.enable_dml_decompression = on for the role',
  },
  {
    match: (code, message) => code === '53400' && /decompression limit/i.test(message),
    what: 'the window decompresses more rows than timescaledb.max_tuples_decompressed_per_dml_transaction allows',
    instead: 'or raise that setting (0: unlimited) for the role',
  },
];

// The target's own chunks, or those of the materialization hypertable when it is a continuous aggregate.
const CHUNKS_SQL = `SELECT format('%I.%I', c.chunk_schema, c.chunk_name) AS chunk
  FROM timescaledb_information.chunks c
  LEFT JOIN timescaledb_information.continuous_aggregates ca
    ON to_regclass({target}) = format('%I.%I', ca.view_schema, ca.view_name)::regclass
 WHERE c.is_compressed
   AND (format('%I.%I', c.hypertable_schema, c.hypertable_name)::regclass = to_regclass({target})
        OR (c.hypertable_schema, c.hypertable_name) = (ca.materialization_hypertable_schema, ca.materialization_hypertable_name))
   AND c.range_start < {window_end} AND c.range_end > {window_start}
 ORDER BY c.range_start`;

/** The one-line error for a window that failed on a compressed chunk; null when `error` is something else. */
export async function compressedChunkError(driver: Driver, def: BackfillDefinition, span: TimeSpan, error: unknown): Promise<Error | null> {
  const e = error as { code?: unknown; message?: unknown };
  const cause = CAUSES.find((c) => c.match(String(e?.code ?? ''), String(e?.message ?? '')));
  if (!cause) return null;
  // In a transaction of its own: the driver's main session may hold another window's.
  const rows = await driver.transaction((tx) => tx.query<{ chunk: string }>(CHUNKS_SQL, { target: qualifiedName(driver, def.target), ...windowParams(span) }));
  const chunks = rows.map((r) => r.chunk);
  if (chunks.length === 0) return null;
  const calls = chunks.map((c) => `SELECT decompress_chunk('${c}');`).join(' ');
  const what = chunks.length === 1 ? `compressed chunk ${chunks[0]}` : `compressed chunks ${chunks.join(', ')}`;
  return new OperationError(`window ${span.start.toISOString()} touches ${what} of ${def.target}: ${cause.what}; run ${calls} then retry the run (compress_chunk it again afterwards), ${cause.instead}`, { cause: error });
}
