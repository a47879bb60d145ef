// Repair statements for TimescaleDB drift. Like the rest of the PostgreSQL repair they are safe
// to run twice (a written repair also runs on the scratch build, where it finds everything in
// place): policies are removed `if_exists` and added `if_not_exists`, hypertables are created
// `if_not_exists`. A changed time column needs a rebuild and is only described. A table or
// continuous aggregate the repair creates gets its hypertable, compression and policies too.
import { describeHypertable, policyName } from './compare-timescale.js';
import { quoteName } from './quote.js';
import { PHASE, RepairCollector } from './repair-plan.js';
import type { Difference, HypertableInfo, PolicyInfo, PolicyKind, SchemaSnapshot } from './types.js';

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
/** A relation as the regclass argument of a TimescaleDB function. */
const relation = (name: string) => literal(quoteName('postgres', name));
/** A policy offset from its job config: an interval (text) or an integer-time offset (number). */
const offset = (value: unknown) => (value === null || value === undefined ? 'NULL' : typeof value === 'number' ? String(value) : `INTERVAL ${literal(String(value))}`);

const POLICY_ARGS: Record<PolicyKind, { add: string; remove: string; args: string[] }> = {
  retention: { add: 'add_retention_policy', remove: 'remove_retention_policy', args: ['drop_after', 'drop_created_before'] },
  compression: { add: 'add_compression_policy', remove: 'remove_compression_policy', args: ['compress_after', 'compress_created_before'] },
  refresh: { add: 'add_continuous_aggregate_policy', remove: 'remove_continuous_aggregate_policy', args: ['start_offset', 'end_offset'] },
  reorder: { add: 'add_reorder_policy', remove: 'remove_reorder_policy', args: ['index_name'] },
};

export function addPolicySql(p: PolicyInfo): string {
  const spec = POLICY_ARGS[p.kind];
  const args = spec.args
    .filter((name) => name in p.config)
    .map((name) => `${name} => ${name === 'index_name' ? literal(String(p.config[name])) : offset(p.config[name])}`);
  return `SELECT ${spec.add}(${[relation(p.relation), ...args, `schedule_interval => INTERVAL ${literal(p.scheduleInterval)}`, 'if_not_exists => true'].join(', ')})`;
}

export function removePolicySql(p: Pick<PolicyInfo, 'kind' | 'relation'>): string {
  return `SELECT ${POLICY_ARGS[p.kind].remove}(${relation(p.relation)}, if_exists => true)`;
}

function chunkInterval(h: HypertableInfo): string {
  return /^\d+$/.test(h.chunkInterval ?? '') ? h.chunkInterval! : `INTERVAL ${literal(h.chunkInterval ?? '7 days')}`;
}

function compressionSql(h: HypertableInfo): string {
  const t = quoteName('postgres', h.name);
  if (!h.compressionEnabled) return `ALTER TABLE ${t} SET (timescaledb.compress = false)`;
  const settings = ['timescaledb.compress'];
  if (h.segmentby) settings.push(`timescaledb.compress_segmentby = ${literal(h.segmentby)}`);
  if (h.orderby) settings.push(`timescaledb.compress_orderby = ${literal(h.orderby)}`);
  return `ALTER TABLE ${t} SET (${settings.join(', ')})`;
}

function createHypertableSql(h: HypertableInfo): string {
  return `SELECT create_hypertable(${relation(h.name)}, by_range(${literal(h.timeColumn)}, ${chunkInterval(h)}), if_not_exists => true, migrate_data => true)`;
}

export function timescaleRepair(r: RepairCollector, expected: SchemaSnapshot, live: SchemaSnapshot, diffs: Difference[]): void {
  const ts = expected.timescale;
  if (!ts || !live.timescale) return;
  const hypertable = (name: string) => ts.hypertables.find((h) => h.name === name);
  const policiesOf = (name: string) => ts.policies.filter((p) => p.relation === name);
  const addPolicy = (p: PolicyInfo, why: string) => r.add(PHASE.timescalePolicies, addPolicySql(p), why);
  const recreated = new Set<string>();

  for (const d of diffs) {
    const t = quoteName('postgres', d.table);
    const h = hypertable(d.table);
    switch (d.kind) {
      case 'missing_table':
        if (!h) break;
        r.add(PHASE.hypertables, createHypertableSql(h), `make the new table ${d.table} a ${describeHypertable(h)}`);
        if (h.compressionEnabled) r.add(PHASE.hypertableSettings, compressionSql(h), `compression settings of the new hypertable ${d.table}`);
        for (const p of policiesOf(d.table)) addPolicy(p, `${policyName(p)} of the new hypertable`);
        break;
      case 'hypertable':
        if (h) {
          r.add(PHASE.hypertables, createHypertableSql(h), `${d.table} is a plain table, the migrations make it a ${describeHypertable(h)} (migrate_data: locks the table and moves its rows into chunks)`);
          if (h.compressionEnabled) r.add(PHASE.hypertableSettings, compressionSql(h), `compression settings of the hypertable ${d.table}`);
        } else r.note(`${d.table} is a hypertable the migrations do not define (${d.actual}); left alone: converting it back is a rebuild`);
        break;
      case 'hypertable_time_column':
        r.note(`hypertable ${d.table} is partitioned by ${d.actual}, the migrations by ${d.expected}: a rebuild (create the table anew as the migrations define it, copy the rows, swap)`);
        break;
      case 'chunk_interval':
        r.add(PHASE.hypertableSettings, `SELECT set_chunk_time_interval(${relation(d.table)}, ${chunkInterval(h!)})`, `chunk interval of ${d.table}: ${d.actual} → ${d.expected} (chunks created from now on; existing chunks keep theirs)`);
        break;
      case 'compression_segmentby': case 'compression_orderby':
        r.add(PHASE.hypertableSettings, compressionSql(h!), `compression of ${t}: ${d.kind.slice('compression_'.length)} ${d.actual} → ${d.expected} (refused while chunks are compressed: decompress_chunk them first)`);
        break;
      case 'cagg_materialized_only':
        r.add(PHASE.timescaleSettings, `ALTER MATERIALIZED VIEW ${t} SET (timescaledb.${d.expected})`, `continuous aggregate ${d.table}: ${d.actual} → ${d.expected}`);
        break;
      case 'cagg_bucket': case 'view_query': case 'missing_view': {
        const cagg = ts.continuousAggregates.find((c) => c.name === d.table);
        const view = expected.views.find((v) => v.name === d.table);
        if (!cagg || !view) break;
        if (d.kind === 'cagg_bucket') {
          r.add(PHASE.dropViews, `DROP ${live.views.find((v) => v.name === d.table)?.materialized ? 'MATERIALIZED ' : ''}VIEW IF EXISTS ${t}`, `continuous aggregate ${d.table} differs from the migrations (bucket ${d.actual})`);
          r.add(PHASE.createViews, view.createSql, `recreate continuous aggregate ${d.table} as the migrations define it`);
        }
        recreated.add(d.table);
        break;
      }
      case 'missing_policy':
        addPolicy(policyOf(ts.policies, d)!, `${d.object}: missing`);
        break;
      case 'policy_settings': {
        const p = policyOf(ts.policies, d)!;
        r.add(PHASE.timescaleDropPolicies, removePolicySql(p), `${d.object}: ${d.actual}, the migrations say ${d.expected}`);
        addPolicy(p, `${d.object} as the migrations define it`);
        break;
      }
      case 'extra_policy':
        r.note(`${d.object} (${d.actual}) is not in the migrations; left alone. If unwanted: ${removePolicySql({ kind: d.item as PolicyKind, relation: d.table })};`);
        break;
      default:
        break;
    }
  }
  // A continuous aggregate created anew has no data and none of its policies (dropping it dropped them).
  for (const name of recreated) {
    for (const p of policiesOf(name)) addPolicy(p, `${policyName(p)} of the recreated continuous aggregate`);
    r.note(`continuous aggregate ${name} is created WITH NO DATA: refresh its history (a \`refresh\` backfill, or CALL refresh_continuous_aggregate(${relation(name)}, NULL, NULL) outside a transaction)`);
  }
}

function policyOf(policies: PolicyInfo[], d: Difference): PolicyInfo | undefined {
  return policies.find((p) => p.kind === d.item && p.relation === d.table);
}
