// Issue 18's figures side by side, from one run: each bench in its own process (embedded
// ClickHouse allows one data directory per process), then one table of
//   168 × ~60k rows, ClickHouse:  hourglass backfill ÷ one INSERT … SELECT, whole processes  (≤ 1.10)
//   720 × ~1,500 rows, ClickHouse: the same                                                (≤ 1.5)
//   PostgreSQL, indexed source: state machine ÷ one statement                             (≤ 1.2)
//   DynamoDB write requests per run of 720 windows, before and after                      (≤ statements × 2 + batches + 10)
// "Before" is bench/state-writes.ts run in BENCH_BEFORE_DIR (a checkout of the commit before
// state format 2, e.g. `git archive 3c971e3 | tar -x -C /tmp/before`, node_modules linked,
// bench/state-writes.ts copied in); without it the last such figure kept in
// bench/results/state-writes-before.json is shown.
//   node --import tsx bench/side-by-side.ts   (BENCH_REPS=3; BENCH_ONLY=cli-168,cli-720,postgres,writes)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, type BenchReport } from './support/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const results = join(ROOT, 'bench/results');
mkdirSync(results, { recursive: true });

const RUNS: Record<string, { script: string; env: Record<string, string>; cwd?: string }> = {
  'cli-168': { script: 'backfill-clickhouse-cli', env: { BENCH_CLI_DAYS: '7', BENCH_CLI_ROWS: '10080000' } },
  'cli-720': { script: 'backfill-clickhouse-cli', env: { BENCH_CLI_DAYS: '30', BENCH_CLI_ROWS: '1080000' } },
  postgres: { script: 'backfill-postgres', env: { BENCH_PG_NOIDX_REPS: '0' } },
  writes: { script: 'state-writes', env: {} },
  ...(process.env.BENCH_BEFORE_DIR ? { 'writes-before': { script: 'state-writes', env: {}, cwd: process.env.BENCH_BEFORE_DIR } } : {}),
};
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
// The same result files as bench/all.ts's variants, so RESULTS.md shows these figures too.
const FILES: Record<string, string> = { 'cli-168': 'backfill-clickhouse-cli', 'cli-720': 'backfill-clickhouse-cli-720', postgres: 'backfill-postgres-indexed', writes: 'state-writes', 'writes-before': 'state-writes-before' };
const file = (name: string) => join(results, `${FILES[name]}.json`);
for (const [name, run] of Object.entries(RUNS)) {
  if (only && !only.includes(name) && !(name === 'writes-before' && only.includes('writes'))) continue;
  process.stdout.write(`\n### ${name}\n`);
  const out = spawnSync(process.execPath, ['--import', 'tsx', `bench/${run.script}.ts`], { cwd: run.cwd ?? ROOT, env: { ...process.env, ...run.env, BENCH_JSON_OUT: file(name) }, stdio: 'inherit' });
  if (out.status !== 0) process.exitCode = 1;
}

const read = (name: string): BenchReport | undefined => (existsSync(file(name)) ? (JSON.parse(readFileSync(file(name), 'utf8')) as BenchReport) : undefined);
const value = (r: BenchReport | undefined, label: string) => r?.measurements.find((m) => m.label.trim() === label)?.median;
const goal = (r: BenchReport | undefined, name: string) => r?.targets.find((t) => t.name === name);
const rows: string[][] = [['case', 'measured', 'goal', '', 'when']];
const ratio = (label: string, r: BenchReport | undefined, t: string, limit: string) => {
  const g = goal(r, t);
  rows.push([label, g ? fmt(g.value, 'x') : 'not run', limit, g ? (g.met ? 'met' : 'MISSED') : '', r?.date ?? '']);
};
ratio('168 × ~60k rows, ClickHouse, hourglass backfill ÷ one INSERT … SELECT (whole processes)', read('cli-168'), '(a)/(b) hourglass backfill ÷ one INSERT … SELECT (whole processes)', '≤ 1.10×');
ratio('720 × ~1,500 rows, ClickHouse, the same', read('cli-720'), '(a)/(b) hourglass backfill ÷ one INSERT … SELECT (whole processes)', '≤ 1.5×');
ratio('PostgreSQL indexed, state machine ÷ one statement', read('postgres'), '(a)/(b) indexed: state machine ÷ one statement', '≤ 1.2×');
for (const [label, name] of [['DynamoDB writes per run, 720 windows, before (state format 1)', 'writes-before'], ['DynamoDB writes per run, 720 windows, after (state format 2)', 'writes']] as const) {
  const r = read(name);
  const g = goal(r, 'writes per run ≤ statements × 2 + batches + 10');
  const st = value(r, 'statements (INSERT … SELECT)');
  const ba = value(r, 'batches (Map items)');
  rows.push([label, g ? `${g.value} (${st} statements, ${ba} batches)` : 'not run', g ? `≤ ${g.limit}` : '', g ? (g.met ? 'met' : 'MISSED') : '', r?.date ?? '']);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
process.stdout.write(`\n${rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')).join('\n')}\n`);
