// The crash harness: SIGKILL the backfill process at many seeded points, `--resume` after
// each, and require target == source every time (count, distinct ids, row checksum).
import { expect } from 'vitest';
import { fixtureWorkspace, type EngineName } from '../backfill/fixture-migrations.js';
import { cli, cliJson, facts, spawnCli, withTarget, type Workspace } from '../backfill/support.js';

/** mulberry32: a tiny seeded PRNG, so every kill point is reproducible from the seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const POINTS = Number(process.env.HOURGLASS_CRASH_POINTS ?? 20);
export const SEED = Number(process.env.HOURGLASS_CRASH_SEED ?? 20261122);
const ROWS = 720;
const STEP_MS = 60_000; // 12 h of rows in 15-minute windows: 49 windows per run

export interface CrashReport {
  killedMidRun: number;
  killedBeforeRun: number;
  points: number[];
}

async function backfillKilledAfter(ws: Workspace, runId: string, delayMs: number): Promise<'killed' | 'finished'> {
  const { child, exited } = spawnCli(ws, ['backfill', '2', '--concurrency', '2', '--run-id', runId], () => undefined);
  const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  const exit = await exited;
  clearTimeout(timer);
  return exit.signal === 'SIGKILL' ? 'killed' : 'finished';
}

export async function crashHarness(engine: EngineName, postgresUrl?: string): Promise<CrashReport> {
  const ws = fixtureWorkspace(engine, { rows: ROWS, stepMs: STEP_MS, window: '15m' }, postgresUrl);
  expect((await cli(ws, ['apply'])).code).toBe(0);
  const source = await facts(ws.url, 'src');
  expect(source.count).toBe(ROWS);

  // One uninterrupted run tells how long a run lasts, so the kill points spread over it.
  const started = Date.now();
  const clean = await cliJson(ws, ['backfill', '2', '--run-id', 'crash-baseline', '--concurrency', '2']);
  expect(clean.json).toMatchObject({ status: 'succeeded', rows: ROWS });
  const duration = Date.now() - started;

  const random = seeded(SEED + (engine === 'clickhouse' ? 0 : 1));
  const report: CrashReport = { killedMidRun: 0, killedBeforeRun: 0, points: [] };
  for (let i = 0; i < POINTS; i++) {
    const delay = Math.round(duration * (0.1 + 0.85 * random()));
    report.points.push(delay);
    const runId = `crash-${i}`;
    // Each point starts from an empty target, as a first backfill does.
    await withTarget(ws.url, (d) => d.exec('TRUNCATE TABLE dst'));
    const t0 = Date.now();
    const outcome = await backfillKilledAfter(ws, runId, delay);
    const t1 = Date.now();
    const resumed = await cli(ws, ['backfill', '--resume', runId, '--json']);
    const context = `point ${i} (${delay} ms of ~${duration} ms, ${outcome}): ${resumed.stdout} ${resumed.stderr}`;
    if (outcome === 'killed' && resumed.code === 2 && /unknown run/.test(resumed.stderr)) {
      // Killed before the run was recorded: nothing to resume, and the target must be untouched.
      expect((await facts(ws.url, 'dst')).count, context).toBe(0);
      report.killedBeforeRun++;
      continue;
    }
    expect(resumed.code, context).toBe(0);
    expect(JSON.parse(resumed.stdout), context).toMatchObject({ runId, status: 'succeeded', rows: ROWS });
    expect(await facts(ws.url, 'dst'), context).toEqual(source);
    if (outcome === 'killed') report.killedMidRun++;
    if (process.env.HOURGLASS_CRASH_TRACE) console.log(`point ${i}: ${outcome} after ${t1 - t0} ms, resume ${Date.now() - t1} ms`);
  }
  return report;
}
