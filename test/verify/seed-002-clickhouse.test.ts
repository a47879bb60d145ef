// Seed 002 on embedded ClickHouse: cluster tables built the old way by hand, views from
// the SQL file on top, migrations that define everything the right way. verify must find
// every listed problem by itself, write a repair that (with the rebuilds it reports) makes
// the database match, after which the views fill every column again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { loadMigrationSet, type MigrationSet } from '../../functions/engine/migrations/set.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';
import { verifyTarget, type Difference, type VerifyReport } from '../../functions/engine/verify/index.js';
import { SEED_002_MIGRATIONS, buildSeed002, insertGauges } from './seed-002.js';

let dir: string;
let driver: Driver;
let set: MigrationSet;
let before: VerifyReport;

const key = (d: Pick<Difference, 'kind' | 'object'>) => `${d.kind} ${d.object}`;
const FLOAT32_COLUMNS: Record<string, string[]> = {
  NodeMetrics: ['cpu_cores', 'cpu_usage_percent', 'memory_usage_percent', 'disk_usage_percent', 'load_1', 'load_5', 'load_15'],
  PodMetrics: ['cpu_requests', 'cpu_limits', 'cpu_usage'],
  GPUMetrics: ['utilization_percent', 'temperature_celsius', 'power_watts'],
};
const LOW_CARDINALITY: Record<string, string[]> = {
  ClusterMetrics: ['cluster_id', 'cluster_name', 'metric_name', 'labels'],
  NodeMetrics: ['cluster_name', 'node_name'],
  PodMetrics: ['namespace', 'pod_name', 'node_name'],
  GPUMetrics: ['node_name', 'gpu_id'],
};
const VIEW_OF: Record<string, string> = { NodeMetrics: 'mv_populate_node_metrics', PodMetrics: 'mv_populate_pod_metrics', GPUMetrics: 'mv_populate_gpu_metrics' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-verify-seed002-'));
  driver = await openDriver(parseTargetUrl(`chdb:${join(dir, 'ch')}`));
  await buildSeed002(driver);
  await insertGauges(driver, new Date());
  set = loadMigrationSet(SEED_002_MIGRATIONS);
  before = await verifyTarget(driver, set);
});

afterAll(async () => {
  await driver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('seed 002 on embedded ClickHouse', () => {
  it('the broken view really drops the network columns (the seed symptom this test is about)', async () => {
    const columns = await driver.query<{ name: string }>("SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'NodeMetrics'");
    expect(columns.map((c) => c.name)).not.toContain('network_receive_bytes_per_sec');
    expect(await driver.query('SELECT * FROM NodeMetrics')).toHaveLength(1);
  });

  it('reports every difference the seed lists, with severities', () => {
    const found = new Map(before.differences.map((d) => [key(d), d]));
    const want: [string, Difference['severity']][] = [];
    for (const table of ['ClusterMetrics', 'NodeMetrics', 'PodMetrics', 'GPUMetrics']) want.push([`engine ${table}`, 'error']);
    for (const column of ['network_receive_bytes_per_sec', 'network_transmit_bytes_per_sec']) {
      want.push([`missing_column NodeMetrics.${column}`, 'error'], [`mv_column_missing_in_target mv_populate_node_metrics.${column}`, 'error']);
    }
    for (const [table, columns] of Object.entries(FLOAT32_COLUMNS)) {
      for (const c of columns) want.push([`column_type ${table}.${c}`, 'error'], [`mv_column_type_incompatible ${VIEW_OF[table]}.${c}`, 'error']);
    }
    for (const [table, columns] of Object.entries(LOW_CARDINALITY)) for (const c of columns) want.push([`column_type ${table}.${c}`, 'warning']);
    want.push(
      ['column_type PodMetrics.restarts', 'error'], ['mv_column_type_incompatible mv_populate_pod_metrics.restarts', 'error'],
      ['sorting_key PodMetrics', 'error'],
      ['duplicate_index NodeMetrics.idx_cluster_time', 'warning'],
      ['index_name GPUMetrics.idx_cluster_gpu_time', 'warning'],
      ['missing_index PodMetrics.idx_cluster_ns_pod_time', 'warning'], ['extra_index PodMetrics.idx_cluster_ns', 'warning'], ['extra_index PodMetrics.idx_pod', 'warning'],
      ['missing_index ClusterMetrics.idx_cluster_metric_time', 'warning'],
    );
    for (const [k, severity] of want) expect(found.get(k)?.severity, k).toBe(severity);
    // Nothing else: the source table and the views' queries match the migrations.
    expect(before.differences.map(key).sort()).toEqual(want.map(([k]) => k).sort());
    expect(before.clean).toBe(false);
  });

  it('says what each difference is', () => {
    const d = (k: string) => before.differences.find((x) => key(x) === k)!;
    expect(d('engine NodeMetrics')).toMatchObject({ expected: 'ReplacingMergeTree', actual: 'MergeTree' });
    expect(d('column_type NodeMetrics.cpu_cores')).toMatchObject({ expected: 'Float64', actual: 'Float32' });
    expect(d('missing_column NodeMetrics.network_receive_bytes_per_sec')).toMatchObject({ expected: 'Float64 DEFAULT 0', actual: null });
    expect(d('index_name GPUMetrics.idx_cluster_gpu_time')).toMatchObject({ expected: 'idx_cluster_gpu_time', actual: 'idx_cluster_gpu' });
    expect(d('duplicate_index NodeMetrics.idx_cluster_time').actual).toContain('same as idx_cluster_node_time');
  });

  it('repairs in place what can be, and reports the engine changes as rebuilds it never runs', () => {
    const sql = before.repair.statements.map((s) => s.sql);
    expect(sql).toContain('ALTER TABLE NodeMetrics ADD COLUMN IF NOT EXISTS network_receive_bytes_per_sec Float64 DEFAULT 0 AFTER load_15');
    expect(sql).toContain('ALTER TABLE NodeMetrics MODIFY COLUMN cpu_cores Float64');
    expect(sql).toContain('ALTER TABLE NodeMetrics DROP INDEX IF EXISTS idx_cluster_time');
    expect(sql).toContain('ALTER TABLE PodMetrics MODIFY COLUMN restarts Int32');
    // Columns are added before anything else touches the table.
    expect(sql.findIndex((s) => s.includes('ADD COLUMN'))).toBe(0);
    expect(sql.some((s) => /ENGINE|EXCHANGE|DROP TABLE/.test(s))).toBe(false);
    expect(before.repair.rebuilds.map((r) => r.table).sort()).toEqual(['ClusterMetrics', 'GPUMetrics', 'NodeMetrics', 'PodMetrics']);
    const pod = before.repair.rebuilds.find((r) => r.table === 'PodMetrics')!;
    expect(pod.reasons.join('; ')).toMatch(/engine MergeTree → ReplacingMergeTree; sorting key/);
    expect(pod.steps.map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual(['CREATE TABLE', 'INSERT INTO', 'EXCHANGE TABLES', 'DROP TABLE']);
    // In the script, rebuild steps are comments only.
    expect(before.repair.sql).toMatch(/^-- {3}EXCHANGE TABLES NodeMetrics AND NodeMetrics_hg_rebuild;$/m);
    expect(before.repair.sql).not.toMatch(/^EXCHANGE/m);
  });

  it('after the in-place repair the views fit their tables; the rebuilds as reported make verify clean', async () => {
    for (const s of before.repair.statements) await driver.exec(s.sql);
    const middle = await verifyTarget(driver, set);
    expect(middle.differences.filter((d) => d.kind.startsWith('mv_') || d.kind === 'missing_column' || d.kind === 'duplicate_index')).toEqual([]);
    expect(middle.differences.filter((d) => d.kind === 'engine')).toHaveLength(4);

    for (const rebuild of middle.repair.rebuilds) for (const step of rebuild.steps) await driver.exec(step);
    const after = await verifyTarget(driver, set);
    expect(after.differences).toEqual([]);
    expect(after.clean).toBe(true);
    expect(after.repair.sql).toBe('');
  });

  it('after the repair the views insert every column, at full precision', async () => {
    const at = new Date(Date.now() + 120_000);
    await insertGauges(driver, at);
    const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString().replace('T', ' ').replace('Z', '');
    const nodes = await driver.query<Record<string, number>>('SELECT * FROM NodeMetrics WHERE ts = {ts}', { ts: new Date(`${minute}Z`) });
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ network_receive_bytes_per_sec: 123456.5, network_transmit_bytes_per_sec: 654321.25, cpu_usage_percent: 42.123456789 });
    const pods = await driver.query<Record<string, number>>('SELECT cpu_usage, restarts FROM PodMetrics WHERE ts = {ts}', { ts: new Date(`${minute}Z`) });
    expect(pods).toEqual([{ cpu_usage: 0.333333333333, restarts: 3 }]);
    expect(await driver.query('SELECT * FROM GPUMetrics WHERE ts = {ts}', { ts: new Date(`${minute}Z`) })).toHaveLength(1);
    // Rows from before the repair survived the rebuilds.
    expect(Number((await driver.query<{ n: number }>('SELECT count() AS n FROM ClusterMetrics'))[0]!.n)).toBe(2);
    const report = await verifyTarget(driver, set);
    expect(report.data.freshness.map((f) => [f.view, f.ok, f.skipped])).toEqual([
      ['mv_populate_cluster_metrics', true, null], ['mv_populate_gpu_metrics', true, null],
      ['mv_populate_node_metrics', true, null], ['mv_populate_pod_metrics', true, null],
    ]);
  });
});
