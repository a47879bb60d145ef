// DynamoDB write requests of one backfill run (issue 18): the local state machine backfills
// 720 hourly windows of ~1,500 rows on embedded ClickHouse (every span copied), and a
// middleware on the state store's client counts every write request it sends (PutItem,
// UpdateItem, DeleteItem; BatchWriteItem as its items), by what it writes. Uses only APIs the
// state store had before state format 2, so the same file measures an older checkout.
// Target: writes per run ≤ statements × 2 + batches + 10.
//   node --import tsx bench/state-writes.ts   (BENCH_WRITES_DAYS=30 BENCH_WRITES_ROWS=1080000)
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedSpans, SPANS_PER_TRACE } from '../functions/cli/commands/demo-data.js';
import { writeClickHouseMigrations } from './support/clickhouse-fixture.js';
import { envNumber, finish, measurement, newReport, target } from './support/report.js';
import { openHarness } from './support/state-machine.js';

const HOUR = 3_600_000;
const days = envNumber('BENCH_WRITES_DAYS', 30);
const rowsWanted = envNumber('BENCH_WRITES_ROWS', 1_080_000);
const concurrency = envNumber('BENCH_CONCURRENCY', 4);
const to = new Date(Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR);
const from = new Date(to.getTime() - days * 24 * HOUR);
const windows = days * 24;

const report = newReport('state-writes', 'DynamoDB write requests per backfill run (state machine, embedded ClickHouse)', { windows, sourceRows: rowsWanted, concurrency });
const root = mkdtempSync(join(tmpdir(), 'hourglass-bench-writes-'));
chmodSync(root, 0o755);
const h = await openHarness(`chdb:${join(root, 'clickhouse')}`, writeClickHouseMigrations(root, 'all'), join(root, 'state'));
try {
  await h.execute({ action: 'apply', target: 'bench' }, 'bench-apply');
  await seedSpans(h.driver, from, to, Math.ceil(rowsWanted / SPANS_PER_TRACE));
  const writes: Record<string, number> = {};
  const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'BatchWriteCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);
  let counting = false;
  h.env.runs.doc.middlewareStack.add((next, context) => async (args) => {
    if (counting && WRITES.has(context.commandName ?? '')) {
      const input = args.input as { Key?: { sk?: string }; Item?: { sk?: string }; RequestItems?: Record<string, unknown[]> };
      const n = input.RequestItems ? Object.values(input.RequestItems).reduce((s, l) => s + l.length, 0) : 1;
      const sk = String(input.Key?.sk ?? input.Item?.sk ?? (input.RequestItems ? 'batch write' : '?'));
      const what = sk.startsWith('WIN#') ? 'a window item (format 1)' : sk.startsWith('BAT#') ? 'a batch item (format 2)' : sk === 'RUN' ? 'the run item' : sk === 'LOCK' ? 'a lease (run, migration lock)' : sk;
      writes[what] = (writes[what] ?? 0) + n;
    }
    return next(args);
  }, { step: 'initialize', name: 'countWrites' });
  h.timers.reset();
  counting = true;
  const runId = `writes-${Date.now()}`;
  const run = await h.backfill({ version: 2, concurrency, from: from.toISOString(), to: to.toISOString() }, runId);
  counting = false;
  if (run.finalize.status !== 'succeeded' || run.finalize.windows?.total !== windows) throw new Error(`run ${runId}: ${JSON.stringify(run.finalize)}`);
  const snapshot = h.timers.snapshot();
  const statements = snapshot['db: window statement (INSERT … SELECT)']?.calls ?? 0;
  const batches = run.plan.batches.length;
  const total = Object.values(writes).reduce((s, n) => s + n, 0);
  report.measurements.push(
    measurement(`DynamoDB write requests, one run of ${windows} windows`, 'count', [total]),
    ...Object.entries(writes).sort((x, y) => y[1] - x[1]).map(([k, n]) => measurement(`    to ${k}`, 'count', [n])),
    measurement('statements (INSERT … SELECT)', 'count', [statements]),
    measurement('batches (Map items)', 'count', [batches]),
  );
  const limit = statements * 2 + batches + 10;
  report.targets.push(target('writes per run ≤ statements × 2 + batches + 10', total, '<=', limit, 'count',
    () => `${total} writes: ${Object.entries(writes).map(([k, n]) => `${n} to ${k}`).join(', ')}; ${statements} statements over ${batches} batches allow ${limit}.`,
    'claim and complete a statement\'s windows with one write each (one item per batch holding its windows\' records).'));
} finally {
  await h.close();
  rmSync(root, { recursive: true, force: true });
}
finish(report);
