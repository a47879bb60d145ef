// Issue 20 item 9: `plan <version>` warns when the backfill's target table is missing (not yet
// applied, or applied and dropped since) and when a run of the version already succeeded, lists
// its windows (--windows) and prints one window's statements with their bound parameters apart
// (--sql <start>); it writes nothing. Real engines: chdb and embedded PostgreSQL.
import type { Client as PgClient } from 'pg';
import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { snapshot } from '../corpus/snapshot.js';
import { fixtureWorkspace, type EngineName } from '../backfill/fixture-migrations.js';
import { HOUR, cli, cliJson, facts, inRanges, iso, postgresForFile, tempDir, withTarget, type Workspace } from '../backfill/support.js';

const pg = postgresForFile();
const engines: Array<[EngineName, string]> = [['clickhouse', 'ClickHouse'], ['postgres', 'PostgreSQL']];

interface PlanJson {
  windows: number;
  warnings: string[];
  windowList?: Array<{ start: string; end: string }>;
  sql?: { start: string; end: string; transaction: boolean; statements: Array<{ sql: string; params: Record<string, unknown>; note?: string }> };
}

/** plan, as text and as JSON, with the target and state compared before and after (plan writes nothing). */
async function plan(ws: Workspace, args: string[]): Promise<{ stderr: string; json: PlanJson }> {
  const before = await snapshot(ws.url, ws.state);
  const text = await cli(ws, ['plan', '2', ...args]);
  expect(text.code, text.stderr).toBe(0);
  const json = await cliJson<PlanJson>(ws, ['plan', '2', ...args]);
  expect(json.code, json.stderr).toBe(0);
  expect(await snapshot(ws.url, ws.state)).toEqual(before);
  return { stderr: text.stderr, json: json.json };
}

const W = Date.parse('2024-03-01T05:00:00Z');
/** The CLI's working directory (support.ts runs it in the repository). */
const REPO = fileURLToPath(new URL('../..', import.meta.url));

describe.each(engines)('%s', (engine, label) => {
  const database = async (name: string) => (engine === 'postgres' ? pg.createDatabase(`${name}_${engine}`) : undefined);

  it(`${label}: a target not yet applied is a warning naming the migration that creates it`, async () => {
    const ws = fixtureWorkspace(engine, {}, await database('plan_unapplied'));
    expect((await cli(ws, ['apply', '--to', '1'])).code).toBe(0);
    const { stderr, json } = await plan(ws, []);
    const warning = 'target table dst does not exist yet: migration 2 (target) creates it (hourglass apply --to 2 first)';
    expect(stderr).toContain(`warning: ${warning}\n`);
    expect(json.warnings).toContain(warning);
    expect(json.windows).toBeGreaterThan(0);
  }, 120_000);

  it(`${label}: a target applied and dropped since is a warning (none while it is there)`, async () => {
    const ws = fixtureWorkspace(engine, {}, await database('plan_dropped'));
    expect((await cli(ws, ['apply'])).code).toBe(0);
    expect((await plan(ws, [])).json.warnings.filter((w) => w.includes('dst'))).toEqual([]);
    await withTarget(ws.url, (d) => d.exec('DROP TABLE dst'));
    const { stderr, json } = await plan(ws, []);
    const warning = 'target table dst does not exist, though migration 2 (target), which creates it, is applied: dropped since? Every window would fail until it is back';
    expect(stderr).toContain(`warning: ${warning}\n`);
    expect(json.warnings).toContain(warning);
    // Dropped by a later migration (as the demo's 0005 retires traces_new): that migration is named.
    await withTarget(ws.url, (d) => d.exec(engine === 'clickhouse' ? "CREATE TABLE dst (id UInt64, ts DateTime64(3, 'UTC'), v String) ENGINE = MergeTree ORDER BY ts" : 'CREATE TABLE dst (id bigint, ts timestamptz, v text)'));
    writeFileSync(join(ws.migrations, '0003_retire_dst.up.sql'), 'DROP TABLE dst;\n');
    expect((await cli(ws, ['apply'])).code).toBe(0);
    const retired = await plan(ws, []);
    const named = 'target table dst does not exist: migration 3 (retire_dst), applied, drops or renames it, so every window would fail';
    expect(retired.stderr).toContain(`warning: ${named}\n`);
    expect(retired.json.warnings).toContain(named);
  }, 120_000);

  it(`${label}: a run of the version that already succeeded is a warning naming it`, async () => {
    const ws = fixtureWorkspace(engine, {}, await database('plan_done'));
    expect((await cli(ws, ['apply'])).code).toBe(0);
    const range = ['--from', iso(W), '--to', iso(W + 2 * HOUR)];
    expect((await plan(ws, range)).json.warnings.filter((w) => w.includes('succeeded'))).toEqual([]);
    // A failed run is no reason to warn: only a succeeded one is.
    const failed = await cli(ws, ['backfill', '2', ...range, '--run-id', 'plan-failed', '--fail-windows', '1', '--statement-target', '0']);
    expect(failed.code, failed.stderr).toBe(1);
    expect((await plan(ws, range)).json.warnings.filter((w) => w.includes('succeeded'))).toEqual([]);
    const run = await cli(ws, ['backfill', '2', ...range, '--run-id', 'plan-done']);
    expect(run.code, run.stderr).toBe(0);
    const { stderr, json } = await plan(ws, []);
    const warning = 'run plan-done of this version already succeeded, over 2024-03-01T05:00:00.000Z … 2024-03-01T07:00:00.000Z: a new backfill would redo those windows';
    expect(stderr).toContain(`warning: ${warning}\n`);
    expect(json.warnings).toContain(warning);
    if (engine === 'clickhouse') {
      // The run recorded its path as given: the same directory by a relative path is the same target.
      const relativeUrl = `chdb:${relative(REPO, ws.url.slice('chdb:'.length))}`;
      expect(relativeUrl).toMatch(/^chdb:\.\./);
      expect((await cliJson<PlanJson>({ ...ws, url: relativeUrl }, ['plan', '2'])).json.warnings).toContain(warning);
    }
  }, 180_000);

  it(`${label}: --windows lists every window, start and end, partial first one included`, async () => {
    const ws = fixtureWorkspace(engine, {}, await database('plan_windows'));
    expect((await cli(ws, ['apply'])).code).toBe(0);
    const args = ['--windows', '--from', '2024-03-01T00:30:00Z', '--to', '2024-03-01T03:00:00Z'];
    const expected = [
      { start: '2024-03-01T00:30:00.000Z', end: '2024-03-01T01:00:00.000Z' },
      { start: '2024-03-01T01:00:00.000Z', end: '2024-03-01T02:00:00.000Z' },
      { start: '2024-03-01T02:00:00.000Z', end: '2024-03-01T03:00:00.000Z' },
    ];
    const { json } = await plan(ws, args);
    expect(json.windowList).toEqual(expected);
    expect(json.windows).toBe(3);
    const text = await cli(ws, ['plan', '2', ...args]);
    const lines = text.stdout.trimEnd().split('\n').slice(2).map((l) => l.split(/\s{2,}/));
    expect(lines).toEqual([['start', 'end'], ...expected.map((w) => [w.start, w.end]), ['3 window(s)']]);
    // Without --windows, no listing (the JSON keeps its shape: `windows` is the count).
    const plain = await cliJson<PlanJson>(ws, ['plan', '2', ...args.slice(1)]);
    expect(plain.json.windowList).toBeUndefined();
  }, 120_000);

  it(`${label}: --sql prints the window's statements with bound parameters apart, and they do what the window does`, async () => {
    const ws = fixtureWorkspace(engine, {}, await database('plan_sql'));
    expect((await cli(ws, ['apply'])).code).toBe(0);
    const { json } = await plan(ws, ['--sql', '2024-03-01T05:00:00Z']);
    const sql = json.sql!;
    expect(sql).toMatchObject({ start: iso(W), end: iso(W + HOUR), transaction: engine === 'postgres' });
    expect(sql.statements.map((s) => s.sql.split(' ')[0])).toEqual(['DELETE', 'INSERT']);
    const bounds = engine === 'clickhouse'
      ? { window_start: '2024-03-01 05:00:00.000', window_end: '2024-03-01 06:00:00.000' }
      : { $1: '2024-03-01T05:00:00.000Z', $2: '2024-03-01T06:00:00.000Z' };
    for (const s of sql.statements) {
      expect(s.params).toEqual(bounds);
      // Values are bound, never in the text.
      expect(s.sql).not.toMatch(/2024-03-01/);
      expect(s.sql).toContain(engine === 'clickhouse' ? "{window_start:DateTime64(3, 'UTC')}" : '$1');
    }
    // Run as printed, they fill exactly the window.
    await withTarget(ws.url, async (d) => {
      for (const s of sql.statements) {
        if (engine === 'clickhouse') await d.exec(s.sql, s.params as Record<string, string>);
        else await (d.client as PgClient).query(s.sql, Object.values(s.params));
      }
    });
    const inWindow = inRanges(engine, [[W, W + HOUR]]);
    expect(await facts(ws.url, 'dst')).toEqual(await facts(ws.url, 'src', inWindow));
    expect((await facts(ws.url, 'dst')).count).toBe(50);
    // The text form: every line a comment or SQL; the values only in the comments.
    const text = await cli(ws, ['plan', '2', '--sql', '2024-03-01T05:00:00Z']);
    expect(text.code, text.stderr).toBe(0);
    const code = text.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('-- ')).join('\n');
    expect(code).toBe(sql.statements.map((s) => `${s.sql};`).join('\n'));
    expect(text.stdout).toContain(engine === 'clickhouse' ? '-- bound: window_start = "2024-03-01 05:00:00.000", window_end = "2024-03-01 06:00:00.000"' : '-- bound: $1 = "2024-03-01T05:00:00.000Z", $2 = "2024-03-01T06:00:00.000Z"');
  }, 120_000);
});

describe('ClickHouse strategies under --sql', () => {
  it('dedup-token: the printed INSERT carries the token the run uses, so a backfill after it inserts nothing twice', async () => {
    const ws = fixtureWorkspace('clickhouse', { strategy: 'dedup-token', targetSettings: 'non_replicated_deduplication_window = 1000' });
    expect((await cli(ws, ['apply'])).code).toBe(0);
    const { json } = await plan(ws, ['--sql', iso(W)]);
    const [insert, ...rest] = json.sql!.statements;
    expect(rest).toEqual([]);
    expect(insert!.sql).toMatch(/\nSETTINGS insert_deduplication_token = 'hourglass:2:2024-03-01T05:00:00.000Z'$/);
    await withTarget(ws.url, (d) => d.exec(insert!.sql, insert!.params as Record<string, string>));
    const run = await cli(ws, ['backfill', '2', '--from', iso(W), '--to', iso(W + HOUR), '--run-id', 'dedup-after-sql']);
    expect(run.code, run.stderr).toBe(0);
    expect(await facts(ws.url, 'dst')).toEqual(await facts(ws.url, 'src', inRanges('clickhouse', [[W, W + HOUR]])));
  }, 120_000);

  it('replace-partition: staging table, INSERT into it, the swaps per partition, the staging dropped', async () => {
    const ws = fixtureWorkspace('clickhouse', { strategy: 'replace-partition', targetPartition: 'toStartOfHour(ts)' });
    expect((await cli(ws, ['apply'])).code).toBe(0);
    // Whole partitions only: a range on the hour grid.
    const { json } = await plan(ws, ['--from', '2024-03-01T01:00:00Z', '--to', '2024-03-01T12:00:00Z', '--sql', iso(W)]);
    const stage = '`dst_hg_stage_220240301T050000000Z`';
    expect(json.sql!.statements.map((s) => s.sql.split('\n')[0])).toEqual([
      `DROP TABLE IF EXISTS ${stage}`,
      `CREATE TABLE ${stage} AS \`dst\``,
      `INSERT INTO ${stage} SELECT id, ts, v FROM src`,
      `ALTER TABLE \`dst\` REPLACE PARTITION ID '<id>' FROM ${stage}`,
      "ALTER TABLE `dst` DROP PARTITION ID '<id>'",
      `DROP TABLE IF EXISTS ${stage}`,
    ]);
    expect(json.sql!.statements[2]!.params).toEqual({ window_start: '2024-03-01 05:00:00.000', window_end: '2024-03-01 06:00:00.000' });
    // The run builds its statements from the same texts: the window lands whole.
    const run = await cli(ws, ['backfill', '2', '--from', iso(W), '--to', iso(W + HOUR), '--run-id', 'replace-after-sql']);
    expect(run.code, run.stderr).toBe(0);
    expect(await facts(ws.url, 'dst')).toEqual(await facts(ws.url, 'src', inRanges('clickhouse', [[W, W + HOUR]])));
  }, 120_000);
});

describe('TimescaleDB (pglite) under --sql', () => {
  it('refresh: one CALL over the window, outside a transaction, the view and bounds bound', async () => {
    const root = tempDir('plan-ts');
    const ws = { url: `pglite:${join(root, 'db')}`, migrations: resolve('migrations/timescale'), state: join(root, 'state') };
    expect((await cli(ws, ['apply'])).code).toBe(0);
    const { json } = await plan(ws, ['--sql', iso(W)]);
    expect(json.sql).toEqual({
      start: iso(W), end: iso(W + HOUR), transaction: false,
      statements: [{
        sql: 'CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)',
        params: { $1: '"metric_stats_hourly"', $2: iso(W), $3: iso(W + HOUR) },
        note: 'outside any transaction (TimescaleDB refuses one)',
      }],
    });
  }, 120_000);
});
