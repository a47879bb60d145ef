// Seed 002 rebuilt by hand: the cluster tables the way the Python script made them
// (MergeTree, Float32, LowCardinality, no network columns, indexes twice under other
// names) with the views from the SQL file on top, and gauges to feed them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Driver } from '../../functions/engine/drivers/driver.js';

export const SEED_002_MIGRATIONS = fileURLToPath(new URL('./fixtures/seed-002', import.meta.url));

const OLD_TABLES = [
  `CREATE TABLE ClusterMetrics (
    cluster_id LowCardinality(String), cluster_name LowCardinality(String), metric_name LowCardinality(String),
    ts DateTime64(3), value Float64, labels Map(LowCardinality(String), String)
  ) ENGINE = MergeTree() PARTITION BY toYYYYMM(ts) ORDER BY (cluster_id, metric_name, ts)`,
  `CREATE TABLE NodeMetrics (
    cluster_id String, cluster_name LowCardinality(String), node_name LowCardinality(String), ts DateTime64(3),
    cpu_cores Float32, cpu_usage_percent Float32, memory_usage_percent Float32, disk_usage_percent Float32,
    load_1 Float32, load_5 Float32, load_15 Float32,
    INDEX idx_cluster_time (cluster_id, node_name, ts) TYPE minmax GRANULARITY 4
  ) ENGINE = MergeTree() PARTITION BY toYYYYMM(ts) ORDER BY (cluster_id, node_name, ts)`,
  // The SQL file's "STEP 4" created the same index again under its new name.
  'ALTER TABLE NodeMetrics ADD INDEX idx_cluster_node_time (cluster_id, node_name, ts) TYPE minmax GRANULARITY 4',
  `CREATE TABLE PodMetrics (
    cluster_id String, namespace LowCardinality(String), pod_name LowCardinality(String), node_name LowCardinality(String),
    ts DateTime64(3), cpu_requests Float32, cpu_limits Float32, cpu_usage Float32, memory_usage_bytes Float64, restarts UInt32,
    INDEX idx_cluster_ns (cluster_id, namespace) TYPE minmax GRANULARITY 4,
    INDEX idx_pod pod_name TYPE bloom_filter(0.01) GRANULARITY 4
  ) ENGINE = MergeTree() PARTITION BY toYYYYMM(ts) ORDER BY (cluster_id, namespace, ts)`,
  `CREATE TABLE GPUMetrics (
    cluster_id String, node_name LowCardinality(String), gpu_id LowCardinality(String), ts DateTime64(3),
    utilization_percent Float32, memory_used_bytes Float64, temperature_celsius Float32, power_watts Float32,
    INDEX idx_cluster_gpu (cluster_id, gpu_id, ts) TYPE minmax GRANULARITY 4
  ) ENGINE = MergeTree() PARTITION BY toYYYYMM(ts) ORDER BY (cluster_id, node_name, gpu_id, ts)`,
];

function migrationStatements(driver: Driver, file: string): string[] {
  return driver.splitStatements(readFileSync(join(SEED_002_MIGRATIONS, file), 'utf8'));
}

/** The live database of seed 002: source as in the migrations, cluster tables the old way, the views as the SQL file made them. */
export async function buildSeed002(driver: Driver): Promise<void> {
  for (const sql of migrationStatements(driver, '0001_otel_metrics.up.sql')) await driver.exec(sql);
  for (const sql of OLD_TABLES) await driver.exec(sql);
  // ClickHouse now refuses a view that writes columns its table lacks; older servers (and
  // the seed's) created it anyway. The setting restores that, outside the stored query.
  const client = driver.client as ClickHouseClient;
  for (const sql of migrationStatements(driver, '0003_cluster_views.up.sql')) {
    await client.command({ query: sql, clickhouse_settings: { allow_materialized_view_with_bad_select: 1 } });
  }
}

const NODE_METRICS: [string, number][] = [
  ['k8s.node.cpu.cores', 16], ['k8s.node.cpu.utilization', 42.123456789], ['k8s.node.memory.utilization', 63.5],
  ['k8s.node.filesystem.utilization', 71.25], ['k8s.node.load.1', 1.5], ['k8s.node.load.5', 1.25], ['k8s.node.load.15', 1.0],
  ['k8s.node.network.receive_bytes_per_sec', 123456.5], ['k8s.node.network.transmit_bytes_per_sec', 654321.25],
];
const POD_METRICS: [string, number][] = [['k8s.pod.cpu.requests', 0.5], ['k8s.pod.cpu.limits', 2], ['k8s.pod.cpu.usage', 0.333333333333], ['k8s.pod.memory.usage', 1048576], ['k8s.pod.restarts', 3]];
const GPU_METRICS: [string, number][] = [['gpu.utilization', 87.5], ['gpu.memory.used', 8589934592], ['gpu.temperature', 71.3], ['gpu.power', 250.75]];

/** One gauge of every metric the views read, for one cluster, node, pod and GPU, at `at`. */
export async function insertGauges(driver: Driver, at: Date): Promise<void> {
  const resource = { 'k8s.cluster.uid': 'c-1', 'k8s.cluster.name': 'prod', 'k8s.node.name': 'node-a', 'k8s.namespace.name': 'ml', 'k8s.pod.name': 'trainer-0' };
  const time = at.toISOString().replace('T', ' ').replace('Z', '');
  const row = (name: string, value: number, attributes: Record<string, string> = {}) => ({
    ResourceAttributes: resource, MetricName: name, Attributes: attributes, TimeUnix: time, Value: value,
  });
  const values = [
    ...NODE_METRICS.map(([n, v]) => row(n, v)),
    ...POD_METRICS.map(([n, v]) => row(n, v)),
    ...GPU_METRICS.map(([n, v]) => row(n, v, { 'gpu.id': 'gpu-0' })),
    row('k8s.cluster.node_count', 3, { region: 'eu' }),
  ];
  await (driver.client as ClickHouseClient).insert({ table: 'otel_metrics_gauge', values, format: 'JSONEachRow' });
}
