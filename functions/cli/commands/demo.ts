// `npm start`: the zero-downtime rebuild of seed 000 on embedded ClickHouse, end to end.
// 30 days of spans → a new table with SpanId beside the live one → a view that takes every
// row from the cut-over on → hourly backfill of everything before it → counts verified →
// atomic swap. Prints each step; exits 0 only if every source row landed exactly once.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { executeWindows } from '../../engine/backfill/executor.js';
import { finishRun } from '../../engine/backfill/finish.js';
import { planRun } from '../../engine/backfill/plan.js';
import { loadMigrationSet } from '../../engine/migrations/set.js';
import { Migrator } from '../../engine/migrator/index.js';
import { openDriver } from '../../engine/open-target.js';
import { parseTargetUrl } from '../../engine/target-url.js';
import { integerArg } from '../args.js';
import type { CliContext } from '../context.js';
import { openStateStore } from '../state.js';
import { ProgressBar, human } from '../progress.js';
import { seedSpans } from './demo-data.js';

const HOUR = 3_600_000;

export async function demoCommand(ctx: CliContext): Promise<number> {
  const dir = resolve((ctx.args.options.dir as string | undefined) ?? '.hourglass/demo');
  const days = integerArg(ctx.args.options.days, '--days', { min: 1, max: 3650 }) ?? 30;
  const say = (text: string) => ctx.io.out(text);
  rmSync(dir, { recursive: true, force: true });
  const state = await openStateStore(join(dir, 'state'));
  const driver = await openDriver(parseTargetUrl(`chdb:${join(dir, 'clickhouse')}`), { leases: state.leases });
  try {
    const set = loadMigrationSet(resolve('migrations/clickhouse'));
    const started = Date.now();
    let clock = new Date();
    const migrator = new Migrator(driver, set, { runId: `demo-${randomUUID().slice(0, 8)}`, now: () => clock });
    say(`hourglass demo · embedded ClickHouse in ${dir}`);
    await migrator.apply({ to: 2 });
    say('1. applied 0001 otel_traces, 0002 traces + traces_mv (the live table and its view)');

    const seedEnd = new Date(Math.floor(clock.getTime() / HOUR) * HOUR);
    const seedStart = new Date(seedEnd.getTime() - days * 24 * HOUR);
    const traces = days * 24 * 1000;
    await seedSpans(driver, seedStart, seedEnd, traces);
    const roots = await count(driver, "SELECT count() FROM otel_traces WHERE ParentSpanId = ''");
    say(`2. seeded ${human(traces * 5)} spans (${human(roots)} traces) over ${days} days; traces_mv filled \`traces\``);

    const applied = await migrator.apply({ to: 3 });
    const cutover = new Date(applied.applied[0].cutover!);
    say(`3. applied 0003: traces_new (with SpanId) beside the live table; traces_mv_new takes rows from the cut-over ${cutover.toISOString()}`);

    // Fast-forward the demo clock past the cut-over, as a real run would wait for it.
    clock = new Date(cutover.getTime() + 5 * 60_000);
    await seedSpans(driver, cutover, clock, 200, traces);
    say(`4. clock fast-forwarded to ${clock.toISOString()}; 200 live traces arrived after the cut-over (through traces_mv_new)`);

    const planned = await planRun(driver, state.runs, set, { version: 3, concurrency: 4, now: clock });
    for (const w of planned.warnings) ctx.io.err(`warning: ${w}`);
    say(`5. backfill run ${planned.run.runId}: ${planned.run.windowCount} hourly windows ${planned.run.rangeStart} … ${planned.run.rangeEnd}`);
    const bar = new ProgressBar(planned.run.windowCount, (t) => process.stderr.write(t));
    const backfillStarted = Date.now();
    await executeWindows(driver, state.runs, planned.def, 3, { runId: planned.run.runId, owner: 'demo', concurrency: 4, allow: ['pending'], onWindow: (e) => bar.update(e) });
    bar.finish();
    const run = await finishRun(state.runs, planned.run.runId);
    const seconds = (Date.now() - backfillStarted) / 1000;
    say(`   ${run.status}: ${run.counts.succeeded}/${run.windowCount} windows, ${human(run.rowsWritten)} rows in ${seconds.toFixed(1)} s (${human(run.rowsWritten / seconds)} rows/s)`);

    const expected = await count(driver, "SELECT count() FROM otel_traces WHERE ParentSpanId = ''");
    const rebuilt = await count(driver, 'SELECT count() FROM traces_new');
    const distinct = await count(driver, 'SELECT uniqExact(TraceId, SpanId) FROM traces_new');
    const mismatched = (await state.runs.listWindows(run.runId)).filter((w) => w.sourceRows !== undefined && w.sourceRows !== w.rows).length;
    const ok = run.status === 'succeeded' && rebuilt === expected && distinct === expected && mismatched === 0;
    say(`6. verify: ${human(rebuilt)} rows in traces_new for ${human(expected)} root spans; ${distinct === rebuilt ? 'no duplicates' : `${rebuilt - distinct} duplicates`}; ${mismatched} windows with a count mismatch`);
    if (!ok) {
      say('verification failed: the swap is not done');
      return 1;
    }
    await migrator.apply({ to: 4 });
    const live = await count(driver, 'SELECT count() FROM traces');
    const withSpanId = await count(driver, "SELECT count() FROM traces WHERE SpanId != ''");
    say(`7. applied 0004: swapped atomically (EXCHANGE TABLES); \`traces\` now has ${human(live)} rows, ${human(withSpanId)} with SpanId`);
    await migrator.apply();
    say('8. applied 0005: retired the old table');
    const status = await migrator.status();
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s · database version ${status.databaseVersion} · run \`hourglass --url chdb:${dir}/clickhouse --state ${dir}/state runs\` to inspect`);
    return live === expected && withSpanId === expected ? 0 : 1;
  } finally {
    await driver.close();
    await state.close();
  }
}

async function count(driver: { query: (sql: string) => Promise<Record<string, unknown>[]> }, sql: string): Promise<number> {
  const rows = await driver.query(sql);
  return Number(Object.values(rows[0] ?? { n: 0 })[0]);
}
