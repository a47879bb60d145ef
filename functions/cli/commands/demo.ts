// `npm start`: the zero-downtime rebuild of seed 000 on embedded ClickHouse, end to end,
// through the state machine CDK synthesizes (run locally, Tasks bound to the Lambda
// handlers' code). 30 days of spans → a new table with SpanId beside the live one → a view
// that takes every row from the cut-over on → hourly backfill of everything before it →
// verify → atomic swap. Exits 0 only if every source row landed exactly once.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { withDriver } from '../../engine/open-target.js';
import { OperationError } from '../../engine/errors.js';
import type { Driver } from '../../engine/drivers/driver.js';
import type { FinalizeOutput, RunInput, StepEnvironment } from '../../engine/service/types.js';
import { localDefinition } from '../../local/definition.js';
import { localEnvironment } from '../../local/environment.js';
import { runDefinitionLocally, type LocalExecution } from '../../local/runner.js';
import { integerArg } from '../args.js';
import { DEFAULTS_FILE, DEFAULT_URL, type CliContext } from '../context.js';
import { openStateStore } from '../state.js';
import { ProgressBar, human } from '../progress.js';
import { seedSpans, SPANS_PER_TRACE } from './demo-data.js';

const HOUR = 3_600_000;

export async function demoCommand(ctx: CliContext): Promise<number> {
  const dir = resolve((ctx.args.options.dir as string | undefined) ?? '.hourglass/demo');
  const days = integerArg(ctx.args.options.days, '--days', { min: 1, max: 3650 }) ?? 30;
  const say = (text: string) => ctx.io.out(text);
  rmSync(dir, { recursive: true, force: true });
  const url = `chdb:${join(dir, 'clickhouse')}`;
  const shownDir = pointAtDemo(dir);
  const state = await openStateStore(join(dir, 'state'));
  let clock = () => new Date();
  const env = localEnvironment(state, { demo: { url, migrationsDir: resolve(process.env.HOURGLASS_REPO_ROOT ?? '.', 'migrations/clickhouse') } }, () => clock());
  try {
    const started = Date.now();
    const definition = await localDefinition();
    say(`hourglass demo · the state machine from infra/, run locally · embedded ClickHouse in ${dir}`);
    await execute(definition, env, { action: 'apply', target: 'demo', version: 2 }, 'demo-1-apply');
    say('1. applied 0001 otel_traces, 0002 traces + traces_mv (the live table and its view)');

    // `days` of spans up to now, starting on the hour: the backfill runs [start, cut-over), and the
    // cut-over is the next hour boundary, so that is exactly days × 24 hourly windows, all with rows.
    const seedEnd = new Date();
    const seedStart = new Date(Math.ceil(seedEnd.getTime() / HOUR) * HOUR - days * 24 * HOUR);
    const traces = days * 24 * 1000;
    await withDriver(url, (d) => seedSpans(d, seedStart, seedEnd, traces));
    say(`2. seeded ${human(traces * SPANS_PER_TRACE)} spans (${human(traces)} traces) over ${days} days; traces_mv filled \`traces\``);

    await execute(definition, env, { action: 'apply', target: 'demo', version: 3 }, 'demo-2-apply');
    const cutover = await withDriver(url, async (d) => (await d.readTracking()).find((r) => r.version === 3)!.cutover!);
    say(`3. applied 0003: traces_new (with SpanId) beside the live table; traces_mv_new takes rows from the cut-over ${cutover.toISOString()}`);

    // A real run waits for the cut-over to pass; the demo moves its clock past it instead.
    const fastForward = cutover.getTime() + 5 * 60_000 - Date.now();
    clock = () => new Date(Date.now() + fastForward);
    await withDriver(url, (d) => seedSpans(d, cutover, clock(), 200, traces));
    say(`4. clock moved to ${clock().toISOString()}; 200 live traces arrived after the cut-over (through traces_mv_new)`);

    const runId = 'demo-3-backfill';
    const backfillStarted = Date.now();
    const bar = followRun(state.runs, runId, backfillStarted);
    const result = await execute(definition, env, { action: 'backfill', target: 'demo', version: 3, concurrency: 4, runId }, runId).finally(() => bar.stop());
    const run = (result.output as { finalize?: FinalizeOutput }).finalize!;
    // The bar's own measure (rows ÷ time from the start to the last window), so the two agree.
    const { seconds, rate } = bar.elapsed() ?? { seconds: (Date.now() - backfillStarted) / 1000, rate: (run.rows ?? 0) / ((Date.now() - backfillStarted) / 1000) };
    say(`5. backfill ${run.status}: ${run.windows!.succeeded}/${run.windows!.total} hourly windows, ${human(run.rows ?? 0)} rows in ${seconds.toFixed(1)} s (${human(rate)} rows/s) · states: ${[...new Set(result.statesEntered)].join(' → ')}`);

    const check = await withDriver(url, async (d) => ({
      expected: await count(d, "SELECT count() FROM otel_traces WHERE ParentSpanId = ''"),
      rebuilt: await count(d, 'SELECT count() FROM traces_new'),
      distinct: await count(d, 'SELECT uniqExact(TraceId, SpanId) FROM traces_new'),
    }));
    const verify = (result.output as { verify?: { summary: string; clean: boolean } }).verify;
    say(`6. verify: ${human(check.rebuilt)} rows in traces_new for ${human(check.expected)} root spans, ${check.rebuilt - check.distinct} duplicates · ${verify?.summary ?? 'no verify output'}`);
    if (run.status !== 'succeeded' || check.rebuilt !== check.expected || check.distinct !== check.expected) {
      say('verification failed: the swap is not done');
      return 1;
    }
    await execute(definition, env, { action: 'apply', target: 'demo' }, 'demo-4-swap');
    const live = await withDriver(url, async (d) => ({ rows: await count(d, 'SELECT count() FROM traces'), withSpanId: await count(d, "SELECT count() FROM traces WHERE SpanId != ''") }));
    say(`7. applied 0004 (atomic EXCHANGE TABLES) and 0005 (old table retired): \`traces\` has ${human(live.rows)} rows, ${human(live.withSpanId)} with SpanId`);
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s · inspect with: npx hourglass status · npx hourglass runs · npx hourglass windows ${runId}`);
    say(`  (${DEFAULTS_FILE} points them at ${shownDir}; --url and --state override it; delete it to go back to ${DEFAULT_URL})`);
    return live.rows === check.expected && live.withSpanId === check.expected ? 0 : 1;
  } finally {
    await state.close();
  }
}

/**
 * Writes .hourglass/defaults.json so that plain `hourglass status`, `runs`, `windows` … look
 * at the demo's database and state; paths relative to the working directory when inside it.
 */
function pointAtDemo(dir: string): string {
  const rel = relative(process.cwd(), dir);
  const base = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : dir;
  mkdirSync(resolve(DEFAULTS_FILE, '..'), { recursive: true });
  writeFileSync(resolve(DEFAULTS_FILE), `${JSON.stringify({ url: `chdb:${join(base, 'clickhouse')}`, state: join(base, 'state'), writtenBy: 'hourglass demo' }, null, 2)}\n`);
  return base;
}

async function execute(definition: object, env: StepEnvironment, input: RunInput, executionName: string): Promise<LocalExecution> {
  const result = await runDefinitionLocally(definition, input, env, { executionName });
  if (result.status !== 'SUCCEEDED') {
    const data = result.lastStateInput as { finalize?: FinalizeOutput; error?: { Cause?: string } } | undefined;
    throw new OperationError(`execution ${executionName} failed: ${result.error?.name}: ${data?.finalize?.error ?? data?.error?.Cause ?? result.error?.cause}`);
  }
  return result;
}

/** Draws the progress bar from the run record while the Map runs its batches. */
function followRun(runs: StepEnvironment['runs'], runId: string, started: number) {
  let bar: ProgressBar | undefined;
  const timer = setInterval(() => {
    runs.getRun(runId).then((run) => {
      if (!run || run.windowCount === 0) return;
      // Timed from the same start as the final line's rows/s, so the two rates are one measure.
      bar ??= new ProgressBar(run.windowCount, (t) => process.stderr.write(t), process.stderr.isTTY === true, started);
      bar.set(run.counts.succeeded + run.counts.failed, run.counts.failed, run.rowsWritten);
    }, () => undefined);
  }, 250);
  return {
    stop: () => {
      clearInterval(timer);
      bar?.finish();
    },
    elapsed: () => bar?.elapsed(),
  };
}

async function count(driver: Driver, sql: string): Promise<number> {
  const rows = await driver.query(sql);
  return Number(Object.values(rows[0] ?? { n: 0 })[0]);
}
