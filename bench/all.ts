// Runs every benchmark in sequence, each in its own process (embedded ClickHouse allows one
// data directory per process), and writes bench/RESULTS.md: the machine, the date, every
// figure, whether each target is met and, for a missed one, why and what would fix it.
//   npm run bench                       the issue's sizes (5 M spans over 720 windows, 168 windows of 60k spans, 87,600 windows, 500 migrations)
//   BENCH_SIZE=small npm run bench      a quick pass at small sizes (any BENCH_* variable set explicitly wins)
//   BENCH_ONLY=noop-startup,cost-model  just those; the others keep their last figures
// Each bench's report is kept as JSON in bench/results/<name>.json (the raw figures, every
// repetition); RESULTS.md is written from all of them. The CLI bundle is rebuilt first (the
// start-up bench runs bin/hourglass.mjs → dist/).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine, machineLine, type BenchReport } from './support/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// name (its results file) → script and extra environment. The second ClickHouse pass copies every
// span (5× the rows per window) to show how the ratios move with the work per window.
const VARIANTS: Record<string, { script: string; env?: Record<string, string> }> = {
  'backfill-clickhouse': { script: 'backfill-clickhouse' },
  'backfill-clickhouse-all-spans': { script: 'backfill-clickhouse', env: { BENCH_CH_SELECT: 'all' } },
  'backfill-clickhouse-cli': { script: 'backfill-clickhouse-cli' },
  // Issue 18's second case: 720 hourly windows of ~1,500 rows, whole processes.
  'backfill-clickhouse-cli-720': { script: 'backfill-clickhouse-cli', env: { BENCH_CLI_DAYS: '30', BENCH_CLI_ROWS: '1080000' } },
  'backfill-postgres': { script: 'backfill-postgres' },
  // The indexed pair alone (what bench/side-by-side.ts runs).
  'backfill-postgres-indexed': { script: 'backfill-postgres', env: { BENCH_PG_NOIDX_REPS: '0' } },
  'state-writes': { script: 'state-writes' },
  'noop-startup': { script: 'noop-startup' },
  'planning-scale': { script: 'planning-scale' },
  'cost-model': { script: 'cost-model' },
};
const BENCHES = Object.keys(VARIANTS);
const SMALL: Record<string, string> = {
  BENCH_ROWS: '500000', BENCH_DAYS: '3', BENCH_CLI_ROWS: '480000', BENCH_CLI_DAYS: '1', BENCH_REPS: '2', BENCH_PG_ROWS: '200000', BENCH_PG_NOIDX_REPS: '1',
  BENCH_MIGRATIONS: '50', BENCH_STARTUP_REPS: '3', BENCH_WINDOWS: '8760', BENCH_COST_DAYS: '3', BENCH_COST_ROWS: '50000',
};
const env: Record<string, string | undefined> = { ...process.env, ...(process.env.BENCH_SIZE === 'small' ? Object.fromEntries(Object.entries(SMALL).filter(([k]) => process.env[k] === undefined)) : {}) };
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const selected = BENCHES.filter((b) => !only || only.includes(b));

if (!process.env.BENCH_NO_BUILD) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
const dirty = execFileSync('git', ['status', '--porcelain', '--', 'functions', 'infra', 'bench'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
const started = new Date();
const resultsDir = join(ROOT, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const failures: string[] = [];
for (const name of selected) {
  const out = join(resultsDir, `${name}.json`);
  const before = existsSync(out) ? readFileSync(out, 'utf8') : null;
  process.stdout.write(`\n### ${name}\n`);
  const { script, env: extra } = VARIANTS[name]!;
  const run = spawnSync(process.execPath, ['--import', 'tsx', `bench/${script}.ts`], { cwd: ROOT, env: { ...env, ...extra, BENCH_JSON_OUT: out }, stdio: 'inherit' });
  if (run.status !== 0 || (existsSync(out) ? readFileSync(out, 'utf8') : null) === before) failures.push(`${name}: exited ${run.status ?? run.signal} without a new report (the figures below, if any, are from an earlier run)`);
}
const reports = BENCHES.filter((name) => existsSync(join(resultsDir, `${name}.json`))).map((name) => JSON.parse(readFileSync(join(resultsDir, `${name}.json`), 'utf8')) as BenchReport);

const lines: string[] = [];
const say = (line = '') => lines.push(line);
const cell = (text: string) => text.replace(/\|/g, '\\|');
say('# Benchmark results');
say();
say(`Written by \`npm run bench\` (bench/all.ts) on ${started.toISOString()} at commit ${commit}${dirty ? ' (with uncommitted changes)' : ''}${only ? `; this pass ran ${selected.join(', ')}, the other sections keep the date of their own run` : ''}. Raw figures, every repetition: \`bench/results/*.json\`.`);
say(`Machine: ${machineLine({ ...machine(), loadStart: reports[0]?.machine.loadStart ?? machine().loadStart, loadEnd: machine().loadStart })}.`);
say('Load average is shown per bench (start → end): the machine may be shared; figures are medians of repetitions measured side by side in one run, so ratios are fairer than absolute times.');
say();
say('## Targets');
say();
say('| bench | target | measured | limit | |');
say('| --- | --- | --- | --- | --- |');
for (const r of reports) for (const t of r.targets) say(`| ${r.name}${r.settings.selection === 'all' ? ' (all spans)' : ''} | ${cell(t.name)} | ${fmt(t.value, t.unit)} | ${t.op} ${fmt(t.limit, t.unit)} | ${t.met ? 'met' : '**missed**'} |`);
for (const f of failures) say(`| ${cell(f)} | | | | **failed** |`);
for (const r of reports) {
  say();
  say(`## ${r.title} (\`bench/${r.name}.ts\`${r.settings.selection === 'all' ? ', BENCH_CH_SELECT=all' : ''})`);
  say();
  say(`${r.date} · load average ${r.machine.loadStart.join(' ')} → ${(r.machine.loadEnd ?? []).join(' ')} · ${Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  say();
  say('| measurement | median | repetitions |');
  say('| --- | --- | --- |');
  for (const m of r.measurements) say(`| ${cell(m.label.trim())} | ${fmt(m.median, m.unit)} | ${m.values.map((v) => fmt(v, m.unit)).join(', ')} |`);
  say();
  for (const t of r.targets) {
    say(`- **${t.met ? 'met' : 'missed'}**: ${t.name}: ${fmt(t.value, t.unit)} (target ${t.op} ${fmt(t.limit, t.unit)})`);
    if (t.why) say(`  - why: ${t.why}`);
    if (t.fix) say(`  - fix: ${t.fix}`);
  }
  if (r.notes.length) {
    say();
    say('```');
    for (const n of r.notes) say(n);
    say('```');
  }
}
writeFileSync(join(ROOT, 'bench/RESULTS.md'), `${lines.join('\n')}\n`);
process.stdout.write(`\nwrote bench/RESULTS.md (${reports.length} benches${failures.length ? `, ${failures.length} failed` : ''})\n`);
process.exitCode = failures.length ? 1 : 0;
