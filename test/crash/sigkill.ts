// The crash harness: SIGKILL the backfill process at many seeded points, `--resume` after
// each, and require target == source every time (count, distinct ids, row checksum).
import { expect } from 'vitest';
import { fixtureWorkspace, type EngineName } from '../backfill/fixture-migrations.js';
import { cli, facts, spawnCli, withTarget, type Workspace } from '../backfill/support.js';

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
  /** Each point as fraction‰ + jitter ms, for the failure message. */
  points: number[];
}

const PROGRESS = /(\d+)\/(\d+) windows ·/g;

/**
 * Kills the backfill once `fraction` of its windows are done (read from the progress lines it
 * prints every 10% on a pipe) plus `jitterMs`. One window per statement (`--statement-target 0`):
 * a grouped statement moves the progress in jumps as large as the group, so a point read from
 * it could only land after the last group, when nothing is left to kill.
 */
async function backfillKilledAt(ws: Workspace, runId: string, fraction: number, jitterMs: number): Promise<'killed' | 'finished'> {
  let stderr = '';
  let armed = false;
  const { child, exited } = spawnCli(ws, ['backfill', '2', '--concurrency', '2', '--statement-target', '0', '--run-id', runId], (chunk) => {
    stderr += chunk;
    const last = [...stderr.matchAll(PROGRESS)].at(-1);
    if (!armed && last && Number(last[1]) >= Number(last[2]) * fraction) {
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), jitterMs);
    }
  });
  const exit = await exited;
  return exit.signal === 'SIGKILL' ? 'killed' : 'finished';
}

export async function crashHarness(engine: EngineName, postgresUrl?: string): Promise<CrashReport> {
  const ws = fixtureWorkspace(engine, { rows: ROWS, stepMs: STEP_MS, window: '15m' }, postgresUrl);
  expect((await cli(ws, ['apply'])).code).toBe(0);
  const source = await facts(ws.url, 'src');
  expect(source.count).toBe(ROWS);

  const random = seeded(SEED + (engine === 'clickhouse' ? 0 : 1));
  const report: CrashReport = { killedMidRun: 0, points: [] };
  for (let i = 0; i < POINTS; i++) {
    // A point: the first progress line at or past 10%…90% of the windows, then 0–200 ms more.
    const fraction = Math.ceil(random() * 9) / 10;
    const jitter = Math.round(random() * 200);
    report.points.push(fraction * 1000 + jitter);
    let runId = `crash-${i}`;
    // Each point starts from an empty target, as a first backfill does.
    await withTarget(ws.url, (d) => d.exec('TRUNCATE TABLE dst'));
    let outcome = await backfillKilledAt(ws, runId, fraction, jitter);
    if (outcome === 'finished') {
      // The jitter outran the windows left (a fast moment of a shared machine): the same point
      // once more with no jitter, as a fresh run on an empty target, so it still lands mid-run.
      runId = `${runId}-again`;
      await withTarget(ws.url, (d) => d.exec('TRUNCATE TABLE dst'));
      outcome = await backfillKilledAt(ws, runId, fraction, 0);
    }
    const resumed = await cli(ws, ['backfill', '--resume', runId, '--json']);
    const context = `point ${i} (${fraction * 100}% + ${jitter} ms, ${outcome}): ${resumed.stdout} ${resumed.stderr}`;
    expect(resumed.code, context).toBe(0);
    expect(JSON.parse(resumed.stdout), context).toMatchObject({ runId, status: 'succeeded', rows: ROWS });
    expect(await facts(ws.url, 'dst'), context).toEqual(source);
    if (outcome === 'killed') report.killedMidRun++;
  }
  return report;
}
