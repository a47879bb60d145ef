// Backfill overhead on embedded ClickHouse (issue 6, bench 1). Side by side, each repetition:
//   (a)  the full local state machine (Apply → Plan → Map of window batches → Verify →
//        Finalize, on-disk dynalite state) backfilling every hourly window, concurrency 4;
//   (b)  one INSERT … SELECT over the same range into an identical empty table;
//   (c)  the seed-000 loop: one INSERT … SELECT per hour, sequential, same client, no bookkeeping;
//   (c4) the same loop with 4 hours at once (what concurrency can buy on this engine).
// Targets (issue 10): (a)/(b) ≤ 1.5, (a)/(c) ≤ 0.25. Per-window profile from manual timers.
//   node --import tsx bench/backfill-clickhouse.ts     (BENCH_ROWS=5000000 BENCH_DAYS=30 BENCH_REPS=3)
//   BENCH_CH_SELECT=all copies every span instead of the demo's root spans.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedSpans, SPANS_PER_TRACE } from '../functions/cli/commands/demo-data.js';
import { sourceCountSql, windowStatement, writeClickHouseMigrations, type Selection } from './support/clickhouse-fixture.js';
import { envNumber, finish, measurement, median as med, newReport, ratios, rotated, target, timed } from './support/report.js';
import { openHarness } from './support/state-machine.js';
import { accumulate, profileLines, type TimerTotal } from './support/timers.js';

const HOUR = 3_600_000;
const rowsWanted = envNumber('BENCH_ROWS', 5_000_000);
const days = envNumber('BENCH_DAYS', 30);
const reps = envNumber('BENCH_REPS', 3);
const concurrency = envNumber('BENCH_CONCURRENCY', 4);
const selection: Selection = process.env.BENCH_CH_SELECT === 'all' ? 'all' : 'roots';
// Recent days: otel_traces has a 365-day TTL that would drop older rows.
const to = new Date(Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR);
const from = new Date(to.getTime() - days * 24 * HOUR);
const windows = days * 24;

const report = newReport('backfill-clickhouse', `Backfill overhead, embedded ClickHouse (chdb), ${selection === 'roots' ? "the demo's backfill (root spans)" : 'every span copied'}`, { sourceRows: rowsWanted, days, windows, reps, concurrency, selection });
const root = mkdtempSync(join(tmpdir(), 'hourglass-bench-ch-'));
chmodSync(root, 0o755);
const h = await openHarness(`chdb:${join(root, 'clickhouse')}`, writeClickHouseMigrations(root, selection), join(root, 'state'));
try {
  const { driver } = h;
  await h.execute({ action: 'apply', target: 'bench' }, 'bench-apply');
  const seeded = await timed(() => seedSpans(driver, from, to, Math.ceil(rowsWanted / SPANS_PER_TRACE)));
  const count = async (sql: string, params?: Record<string, Date>) => Number(Object.values((await driver.query(sql, params))[0] ?? {})[0]);
  const sourceRows = await count('SELECT count() FROM otel_traces');
  const expected = await count(sourceCountSql(selection), { window_start: from, window_end: to });
  report.notes.push(`source: ${sourceRows.toLocaleString('en')} spans in otel_traces over ${days} days (seeded inside ClickHouse in ${(seeded.ms / 1000).toFixed(1)} s); every run writes ${expected.toLocaleString('en')} rows (${selection === 'roots' ? "the demo's backfill: root spans" : 'every span'}); chdb opened in ${h.openMs.toFixed(0)} ms, outside every figure`);

  const truncate = (table: string) => driver.exec(`TRUNCATE TABLE ${table}`);
  const checkRows = async (table: string) => {
    const n = await count(`SELECT count() FROM ${table}`);
    if (n !== expected) throw new Error(`${table} holds ${n} rows, expected ${expected}`);
    await truncate(table); // drop the parts now, so their background merges do not run into the next measurement
  };
  const hourly = async (table: string, parallel: number) => {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < windows; i = next++) {
        await driver.exec(windowStatement(table, selection), { window_start: new Date(from.getTime() + i * HOUR), window_end: new Date(from.getTime() + (i + 1) * HOUR) });
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  };

  const a: number[] = [], aMap: number[] = [], b: number[] = [], c: number[] = [], c4: number[] = [];
  const stateMs: Record<string, number[]> = {};
  const profile: Record<string, TimerTotal> = {};
  const steps: Record<string, (rep: number) => Promise<void>> = {
    a: async (rep) => {
      await truncate('traces_new');
      h.timers.reset();
      const runId = `bench-${rep}-${Date.now()}`;
      const run = await h.backfill({ version: 2, concurrency, from: from.toISOString(), to: to.toISOString() }, runId);
      if (run.finalize.status !== 'succeeded' || run.finalize.rows !== expected || run.finalize.windows?.total !== windows) throw new Error(`state machine run ${runId}: ${JSON.stringify(run.finalize)}`);
      a.push(run.ms);
      aMap.push(run.stateMs.BackfillWindows!);
      for (const [s, ms] of Object.entries(run.stateMs)) if (ms >= 1) (stateMs[s] ??= []).push(ms);
      accumulate(profile, h.timers.snapshot());
      await checkRows('traces_new');
    },
    b: async () => {
      await truncate('traces_single');
      b.push((await timed(() => driver.exec(windowStatement('traces_single', selection), { window_start: from, window_end: to }))).ms);
      await checkRows('traces_single');
    },
    c: async () => {
      await truncate('traces_loop');
      c.push((await timed(() => hourly('traces_loop', 1))).ms);
      await checkRows('traces_loop');
    },
    c4: async () => {
      await truncate('traces_loop4');
      c4.push((await timed(() => hourly('traces_loop4', concurrency))).ms);
      await checkRows('traces_loop4');
    },
  };
  for (let rep = 0; rep < reps; rep++) {
    for (const name of rotated(Object.keys(steps), rep)) await steps[name]!(rep);
    process.stderr.write(`rep ${rep + 1}/${reps}: a ${a.at(-1)!.toFixed(0)} ms, b ${b.at(-1)!.toFixed(0)} ms, c ${c.at(-1)!.toFixed(0)} ms, c4 ${c4.at(-1)!.toFixed(0)} ms\n`);
  }

  report.measurements.push(
    measurement('(a) state machine, whole execution', 'ms', a),
    ...Object.entries(stateMs).map(([s, v]) => measurement(`    of which state ${s}`, 'ms', v)),
    measurement('(b) one INSERT … SELECT over the range', 'ms', b),
    measurement('(c) sequential loop, one INSERT … SELECT per hour', 'ms', c),
    measurement(`(c4) the same loop, ${concurrency} hours at once`, 'ms', c4),
    measurement('(a)/(b)', 'x', ratios(a, b)),
    measurement('(a)/(c)', 'x', ratios(a, c)),
    measurement('(a: Map state only)/(b)', 'x', ratios(aMap, b)),
    measurement('(c)/(b): the cost of hourly statements alone', 'x', ratios(c, b)),
    measurement(`(c4)/(c): what ${concurrency} at once buys`, 'x', ratios(c4, c)),
  );
  const per = (k: string) => (profile[k]?.ms ?? 0) / (reps * windows);
  report.notes.push(`profile (manual timers; a call's time includes waiting for the engine's queue and the event loop, so with ${concurrency} batches at once the sum exceeds the wall time):`, ...profileLines(profile, reps, windows));
  const calls = (k: string) => (profile[k]?.calls ?? 0) / reps;
  const statements = calls('db: window statement (INSERT … SELECT)');
  const around = med(a) - med(aMap);
  const stateList = ['Verify', 'Plan', 'Apply', 'Finalize'].filter((s) => stateMs[s]).map((s) => `${s} ${med(stateMs[s]!).toFixed(0)} ms`).join(', ');
  const causes = () => [
    `The Map state alone is ${med(ratios(aMap, b)).toFixed(2)}× one statement (median of the repetitions' ratios): it ran ${statements.toFixed(0)} INSERT … SELECT statements for ${windows} windows (${(windows / Math.max(1, statements)).toFixed(1)} hours each on average), ${calls('db: counts (target, source)').toFixed(0)} count queries, and per statement one claim and one completion in the state store (${calls('state: claimWindows').toFixed(0)} + ${calls('state: completeWindows').toFixed(0)} calls, ${per('state: claimWindows').toFixed(1)} + ${per('state: completeWindows').toFixed(1)} ms of call time per window, overlapping across the ${concurrency} batches).`,
    `The states around the Map take ${around.toFixed(0)} ms = ${(around / med(b)).toFixed(2)}× one statement by themselves (${stateList}; Verify builds the expected schema in a scratch database on the target), so with one statement at ${med(b).toFixed(0)} ms a ${'1.5'}× target leaves ${(0.5 * med(b)).toFixed(0)} ms for all of them and the Map together.`,
    `For scale: hourly statements alone cost (c)/(b) = ${(med(c) / med(b)).toFixed(2)}× one statement (an hour holds ${Math.round(expected / windows).toLocaleString('en')} rows, so ClickHouse's fixed per-statement cost dominates), and (c4)/(c) = ${(med(c4) / med(c)).toFixed(2)}: chdb sends a process's parameterized queries through one queue (node_modules/chdb/index.js globalParamChain), so the ${concurrency} batches do not run statements side by side here; on a ClickHouse server they do.`,
  ];
  const fixes = [
    'Per execution: Verify builds the expected schema in a scratch database on the target each time; building it once per migration set would take most of it out.',
    'On chdb the batches cannot overlap (parameter queue); against a ClickHouse server the Map\'s concurrency applies. The target counts come from one grouped query per statement; taking them from the INSERT\'s written-rows summary where the range was empty would drop that query too.',
  ];

  report.targets.push(target('(a)/(b) state machine ÷ one statement', med(ratios(a, b)), '<=', 1.5, 'x', () => causes().join(' '), fixes.join(' ')));
  report.targets.push(target('(a)/(c) state machine ÷ seed-000 loop', med(ratios(a, c)), '<=', 0.25, 'x', () => causes().join(' '), fixes.join(' ')));
} finally {
  await h.close();
  rmSync(root, { recursive: true, force: true });
}
finish(report);
