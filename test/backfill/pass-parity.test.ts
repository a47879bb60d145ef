// One backfill pass for both paths (backfill/pass.ts): a retry checks that its strategy is
// still possible on the target before a window runs, from the CLI and from the state machine
// alike, and a refused retry keeps no run lease. (A state-machine retry honouring the input's statementTarget: test/state-machine/retry-options.test.ts.)
import { describe, expect, it } from 'vitest';
import { fixtureWorkspace } from './fixture-migrations.js';
import { cli, cliJson, windowsOf, withTarget, type Workspace } from './support.js';

const HOURLY_PARTITIONS = { rows: 240, strategy: 'replace-partition', targetPartition: 'toStartOfHour(ts)', to: 'SELECT toStartOfHour(max(ts)) + toIntervalHour(1) FROM src' } as const;

/** Applied, backfilled with every 3rd window failing once: a run with failed windows to retry. */
async function runWithFailures(runId: string): Promise<{ ws: Workspace; failed: string[] }> {
  const ws = fixtureWorkspace('clickhouse', HOURLY_PARTITIONS);
  expect((await cli(ws, ['apply'])).code).toBe(0);
  const first = await cliJson(ws, ['backfill', '2', '--run-id', runId, '--fail-windows', '3', '--statement-target', '0']);
  expect(first.json, first.stderr).toMatchObject({ status: 'partial' });
  const failed = (await windowsOf(ws, runId, 'failed')).map((w) => w.start);
  expect(failed.length).toBeGreaterThan(0);
  return { ws, failed };
}

/** The target re-created with daily partitions: hourly windows no longer replace whole partitions. */
async function repartitionByDay(ws: Workspace): Promise<void> {
  await withTarget(ws.url, async (d) => {
    await d.exec('DROP TABLE dst');
    await d.exec('CREATE TABLE dst (id UInt64, ts DateTime64(3, \'UTC\'), v Float64) ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY (ts, id)');
  });
}

describe('a retry checks its strategy on both paths', () => {
  it('CLI retry and state-machine retry refuse in one line, and no window runs', async () => {
    const { ws, failed } = await runWithFailures('strat');
    await repartitionByDay(ws);
    const viaCli = await cli(ws, ['retry', 'strat']);
    expect(viaCli.code, viaCli.stderr).toBe(2);
    expect(viaCli.stderr.trim().split('\n')).toHaveLength(1);
    expect(viaCli.stderr).toMatch(/exactly one partition/);
    // The refused retry kept no run lease: a new run of the version is refused by the strategy, not by the lease.
    const another = await cli(ws, ['backfill', '2', '--run-id', 'another']);
    expect(another.code, another.stderr).toBe(2);
    expect(another.stderr).toMatch(/exactly one partition/);
    const viaMachine = await cliJson(ws, ['run', 'retry', '--run-id', 'strat']);
    expect(viaMachine.json.status).toBe('FAILED');
    expect(JSON.stringify(viaMachine.json)).toMatch(/exactly one partition/);
    // Nothing ran: the same windows are failed, with the attempts they had.
    expect((await windowsOf(ws, 'strat', 'failed')).map((w) => w.start)).toEqual(failed);
    expect((await windowsOf(ws, 'strat', 'failed')).every((w) => w.attempts === 1)).toBe(true);
  });
});

