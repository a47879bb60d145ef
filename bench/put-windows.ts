// How long planning a year of hourly windows (8,760 records) takes on the local store
// (in-memory dynalite), and how fast they read back. Run by hand:
//   node --import tsx bench/put-windows.ts [windows]
import { startLocalDynamo } from '../functions/engine/state/local-dynamo.js';
import { createDocumentClient, ensureTable } from '../functions/engine/state/client.js';
import { RunStore } from '../functions/engine/state/run-store.js';

const count = Number(process.argv[2] ?? 8760);
const HOUR = 3_600_000;
const from = Date.UTC(2024, 0, 1);
const plan = Array.from({ length: count }, (_, i) => ({ start: new Date(from + i * HOUR), end: new Date(from + (i + 1) * HOUR), batch: Math.floor(i / 24) }));

const local = await startLocalDynamo({});
const doc = await createDocumentClient({ endpoint: local.endpoint });
try {
  await ensureTable(doc, 'bench-state');
  const store = new RunStore(doc, 'bench-state');
  await store.createRun({
    runId: 'bench', migrationVersion: 1, migrationName: 'bench', target: 'chdb:/tmp/bench', engine: 'clickhouse',
    rangeStart: plan[0]!.start, rangeEnd: plan[count - 1]!.end, windowSize: '1h', windowCount: count, batchSize: 24, concurrency: 4, strategy: 'delete-insert',
  });
  let t = performance.now();
  const written = await store.putWindows('bench', plan);
  const putMs = performance.now() - t;
  t = performance.now();
  const listed = await store.listWindows('bench');
  const listMs = performance.now() - t;
  if (written !== count || listed.length !== count) throw new Error(`wrote ${written}, listed ${listed.length}, expected ${count}`);
  console.log(`putWindows ${count}: ${(putMs / 1000).toFixed(2)} s (${Math.round(count / (putMs / 1000))} windows/s); listWindows: ${(listMs / 1000).toFixed(2)} s`);
} finally {
  doc.destroy();
  await local.close();
}
