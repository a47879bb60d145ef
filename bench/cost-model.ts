// AWS cost per 10,000 windows (issue 6, bench 5), derived from a real execution of the
// synthesized definition rather than from a hand count: one local backfill run (the state
// machine CDK synthesizes, Tasks bound to the handlers, dynalite as DynamoDB) is observed —
// every state entered (parent and Map children), every Lambda task invoked, every DynamoDB
// request with the capacity units dynalite charges for it (ReturnConsumedCapacity TOTAL,
// DynamoDB's own rules) — and scaled to 10,000 windows with the batch size the planner picks
// for that many (chooseBatchSize). Lambda memory and architecture come from the synthesized
// template; the per-window Lambda duration is measured here (concurrency 1, so no contention)
// and can be overridden with BENCH_WINDOW_MS. Target ≤ $0.50 per 10,000 windows.
//   node --import tsx bench/cost-model.ts      (BENCH_COST_DAYS=30 BENCH_COST_ROWS=200000)
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { seedSpans, SPANS_PER_TRACE } from '../functions/cli/commands/demo-data.js';
import { chooseBatchSize } from '../functions/engine/backfill/windows.js';
import { writeClickHouseMigrations } from './support/clickhouse-fixture.js';
import { PRICES } from './support/prices.js';
import { envNumber, finish, fmt, measurement, newReport, target } from './support/report.js';
import { openHarness } from './support/state-machine.js';

const HOUR = 3_600_000;
const PER = 10_000;
const days = envNumber('BENCH_COST_DAYS', 30);
const rows = envNumber('BENCH_COST_ROWS', 200_000);
const windows = days * 24;
const report = newReport('cost-model', 'AWS cost per 10,000 windows', { measuredWindows: windows, measuredSourceRows: rows, prices: PRICES.asOf });

// Lambda memory and architecture per Task state, from the synthesized template.
const { createHourglassApp, cdkJsonContext } = await import('../infra/hourglass-app.js');
const { Template } = await import('aws-cdk-lib/assertions');
const { stack } = createHourglassApp({ context: cdkJsonContext(), bundle: false });
const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function') as Record<string, { Properties: { MemorySize?: number; Architectures?: string[] } }>;
const { localDefinition } = await import('../functions/local/definition.js');
const definition = (await localDefinition()) as { States: Record<string, { Resource?: string; ItemProcessor?: { States: Record<string, { Resource?: string }> } }> };
const lambdaOf = new Map<string, { memoryGb: number; arch: string }>();
for (const states of [definition.States, ...Object.values(definition.States).map((s) => s.ItemProcessor?.States ?? {})]) {
  for (const [name, state] of Object.entries(states)) {
    const logicalId = state.Resource?.split(':function:')[1];
    const props = logicalId ? functions[logicalId]?.Properties : undefined;
    if (props) lambdaOf.set(name, { memoryGb: (props.MemorySize ?? 128) / 1024, arch: props.Architectures?.[0] ?? 'x86_64' });
  }
}

const root = mkdtempSync(join(tmpdir(), 'hourglass-bench-cost-'));
chmodSync(root, 0o755);
const h = await openHarness(`chdb:${join(root, 'clickhouse')}`, writeClickHouseMigrations(root, 'roots'), join(root, 'state'));
try {
  await h.execute({ action: 'apply', target: 'bench' }, 'cost-apply');
  const to = new Date(Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR);
  const from = new Date(to.getTime() - days * 24 * HOUR);
  await seedSpans(h.driver, from, to, Math.ceil(rows / SPANS_PER_TRACE));

  // Every DynamoDB request of the run, with the capacity units it consumed.
  const dynamo: Record<string, { calls: number; units: number }> = {};
  const doc = (h.env.runs as unknown as { doc: DynamoDBDocumentClient }).doc;
  doc.middlewareStack.add((next, context) => async (args) => {
    (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
    const result = await next(args);
    const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }).ConsumedCapacity;
    const units = [consumed ?? []].flat().reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
    const entry = (dynamo[context.commandName ?? '?'] ??= { calls: 0, units: 0 });
    entry.calls++;
    entry.units += units;
    return result;
  }, { step: 'initialize', name: 'benchCapacity' });

  const parent: string[] = [];
  const child: string[] = [];
  const run = await h.backfill({ version: 2, concurrency: 1, from: from.toISOString(), to: to.toISOString() }, `cost-${Date.now()}`, (s, isChild) => (isChild ? child : parent).push(s));
  if (run.finalize.status !== 'succeeded' || run.finalize.windows?.total !== windows) throw new Error(`cost run: ${JSON.stringify(run.finalize)}`);
  const batches = run.plan.batches.length;

  // Scale to 10,000 windows: per-run parts stay, per-batch parts follow the batch count, per-window parts the windows.
  const batches10k = Math.ceil(PER / chooseBatchSize(PER));
  const tasks = [...parent, ...child].filter((s) => lambdaOf.has(s));
  const windowMs = envNumber('BENCH_WINDOW_MS', run.stateMs.BackfillWindows! / windows);
  const transitions10k = parent.length + (child.length / batches) * batches10k;
  const invocations10k = tasks.filter((s) => !child.includes(s)).length + (tasks.filter((s) => child.includes(s)).length / batches) * batches10k;
  const gbSeconds = (state: string, ms: number) => (lambdaOf.get(state)!.memoryGb * ms) / 1000;
  const lambdaUsd = (state: string, ms: number) => gbSeconds(state, ms) * PRICES.lambdaPerGbSecond[lambdaOf.get(state)!.arch]!;
  const childTask = [...new Set(child)].find((s) => lambdaOf.has(s))!;
  const topTasks = [...new Set(parent)].filter((s) => lambdaOf.has(s));
  const lambdaCompute10k = lambdaUsd(childTask, windowMs * PER) + topTasks.reduce((n, s) => n + lambdaUsd(s, (run.stateMs[s] ?? 0) * (s === 'Plan' ? PER / windows : 1)), 0);
  const writes = Object.entries(dynamo).filter(([c]) => /Put|Update|Delete|BatchWrite/.test(c)).reduce((n, [, v]) => n + v.units, 0);
  const reads = Object.entries(dynamo).filter(([c]) => /Get|Query|Scan/.test(c)).reduce((n, [, v]) => n + v.units, 0);
  const costs = {
    stepFunctions: transitions10k * PRICES.stepFunctionsPerTransition,
    lambdaRequests: invocations10k * PRICES.lambdaPerRequest,
    lambdaCompute: lambdaCompute10k,
    dynamoWrites: (writes / windows) * PER * PRICES.dynamoPerWriteUnit,
    dynamoReads: (reads / windows) * PER * PRICES.dynamoPerReadUnit,
  };
  const total = Object.values(costs).reduce((a, b) => a + b, 0);

  report.measurements.push(
    measurement('state transitions per 10,000 windows', 'transitions', [Math.round(transitions10k)]),
    measurement('Lambda invocations per 10,000 windows', 'invocations', [Math.round(invocations10k)]),
    measurement('DynamoDB write units per window', 'WRU', [writes / windows]),
    measurement('DynamoDB read units per window', 'RRU', [reads / windows]),
    measurement(`Lambda time per window (window batch function, measured${process.env.BENCH_WINDOW_MS ? ': overridden' : ''})`, 'ms', [windowMs]),
    ...Object.entries(costs).map(([k, v]) => measurement(`cost per 10,000 windows: ${k}`, 'USD', [v])),
    measurement('cost per 10,000 windows: total', 'USD', [total]),
  );
  report.notes.push(
    `measured run: ${windows} windows in ${batches} batches of ${run.plan.batchSize}; parent states entered: ${parent.length} (${parent.join(' → ')}); per Map child: ${child.length / batches} (${[...new Set(child)].join(', ')}); 10,000 windows plan as ${batches10k} batches of ${chooseBatchSize(PER)}`,
    `Lambda: ${[...lambdaOf].map(([s, l]) => `${s} ${l.memoryGb * 1024} MB ${l.arch}`).join(', ')}; each window's time is billed to the batch function (windows of a batch run one after another)`,
    `DynamoDB requests in the measured run (calls, capacity units): ${Object.entries(dynamo).map(([c, v]) => `${c.replace('Command', '')} ${v.calls} / ${v.units}`).join(', ')}`,
    `per window the code issues: claim and complete (one conditional UpdateItem each on the window) = 2 writes, plus its share of the plan's BatchWriteItem (1 write) and of the worker's count flushes (one UpdateItem of the run per second, count-buffer.ts); reads are the per-batch GetItem of the run and the Query of the batch's windows, and Verify/Finalize reading all windows once`,
    `sensitivity (Lambda time per window → total per 10,000 windows): ${[0.1, 1, 3, 10].map((s) => `${s} s → ${fmt(total - lambdaUsd(childTask, windowMs * PER) + lambdaUsd(childTask, s * 1000 * PER), 'USD')}`).join(', ')}; the window's time is the database's INSERT … SELECT, so the Lambda bill follows the target's speed`,
    `not included: Lambda INIT (cold starts; at most one per invocation: ${Math.round(invocations10k)} × ~1 s × 1 GB ≈ ${fmt(invocations10k * PRICES.lambdaPerGbSecond.arm64!, 'USD')} if every one were cold), CloudWatch logs and metrics, data transfer, the target database`,
    `prices: Step Functions standard $0.025 per 1,000 transitions; Lambda $0.20 per 1M requests, $0.0000166667 per GB-s (x86) / $0.0000133334 (arm64); DynamoDB on-demand $0.625 per 1M write units, $0.125 per 1M read units; as of ${PRICES.asOf}`,
  );
  report.targets.push(target('AWS cost per 10,000 windows', total, '<=', 0.5, 'USD', () => `the largest part is ${Object.entries(costs).sort((a, b) => b[1] - a[1])[0]![0]}`));
} finally {
  await h.close();
  rmSync(root, { recursive: true, force: true });
}
finish(report);
