// TimescaleDB objects, expected against live: hypertables (time column, chunk interval,
// compression segmentby/orderby), continuous aggregates (materialized_only, bucket; their
// definition is compared as a view query) and policies (schedule and settings). Only for
// tables and views the live database has: a missing one is already reported as missing,
// and its repair brings its TimescaleDB parts along.
import type { Difference, HypertableInfo, PolicyInfo, SchemaSnapshot, Severity } from './types.js';

export const TIMESCALE_KINDS = new Set<Difference['kind']>([
  'hypertable', 'hypertable_time_column', 'chunk_interval', 'compression_segmentby', 'compression_orderby',
  'cagg_materialized_only', 'cagg_bucket', 'missing_policy', 'extra_policy', 'policy_settings',
]);

export function compareTimescale(expected: SchemaSnapshot, live: SchemaSnapshot): Difference[] {
  if (!expected.timescale || !live.timescale) return [];
  const liveRelations = new Set([...live.tables.map((t) => t.name), ...live.views.map((v) => v.name)]);
  const expectedRelations = new Set([...expected.tables.map((t) => t.name), ...expected.views.map((v) => v.name)]);
  const both = (name: string) => liveRelations.has(name) && expectedRelations.has(name);
  return [
    ...compareHypertables(expected.timescale.hypertables, live.timescale.hypertables, both),
    ...compareAggregates(expected, live, both),
    ...comparePolicies(expected.timescale.policies, live.timescale.policies, both),
  ];
}

function compareHypertables(expected: HypertableInfo[], live: HypertableInfo[], both: (name: string) => boolean): Difference[] {
  const out: Difference[] = [];
  const liveByName = new Map(live.map((h) => [h.name, h]));
  for (const e of expected) {
    if (!both(e.name)) continue;
    const l = liveByName.get(e.name);
    const add = (kind: Difference['kind'], exp: string | null, act: string | null, severity: Severity) => {
      if (exp !== act) out.push({ kind, object: e.name, table: e.name, expected: exp, actual: act, severity });
    };
    if (!l) {
      add('hypertable', describeHypertable(e), 'a plain table', 'error');
      continue;
    }
    // The time column decides which chunk a row lands in: a change is a rebuild.
    add('hypertable_time_column', e.timeColumn, l.timeColumn, 'error');
    // Applies to chunks created from now on; existing chunks keep theirs.
    add('chunk_interval', e.chunkInterval, l.chunkInterval, 'warning');
    add('compression_segmentby', compressionText(e, e.segmentby), compressionText(l, l.segmentby), 'warning');
    add('compression_orderby', compressionText(e, e.orderby), compressionText(l, l.orderby), 'warning');
  }
  for (const l of live) {
    if (both(l.name) && !expected.some((e) => e.name === l.name)) {
      out.push({ kind: 'hypertable', object: l.name, table: l.name, expected: 'a plain table', actual: describeHypertable(l), severity: 'warning' });
    }
  }
  return out;
}

export function describeHypertable(h: HypertableInfo): string {
  return `hypertable on ${h.timeColumn}${h.chunkInterval ? `, chunks of ${h.chunkInterval}` : ''}`;
}

function compressionText(h: HypertableInfo, value: string | null): string {
  return h.compressionEnabled ? (value ?? 'none') : 'compression off';
}

function compareAggregates(expected: SchemaSnapshot, live: SchemaSnapshot, both: (name: string) => boolean): Difference[] {
  const out: Difference[] = [];
  const liveByName = new Map(live.timescale!.continuousAggregates.map((c) => [c.name, c]));
  for (const e of expected.timescale!.continuousAggregates) {
    if (!both(e.name)) continue;
    const l = liveByName.get(e.name);
    const base = { object: e.name, table: e.name };
    if (!l) {
      out.push({ ...base, kind: 'cagg_bucket', expected: `continuous aggregate, bucket ${e.bucket ?? 'none'}`, actual: 'not a continuous aggregate', severity: 'error' });
      continue;
    }
    // Real-time aggregation or not: what a SELECT on the aggregate returns for recent time.
    if (e.materializedOnly !== l.materializedOnly) {
      out.push({ ...base, kind: 'cagg_materialized_only', expected: `materialized_only = ${e.materializedOnly}`, actual: `materialized_only = ${l.materializedOnly}`, severity: 'error' });
    }
    if (e.bucket !== l.bucket) out.push({ ...base, kind: 'cagg_bucket', expected: e.bucket, actual: l.bucket, severity: 'error' });
  }
  return out;
}

export function policyName(p: Pick<PolicyInfo, 'kind' | 'relation'>): string {
  return `${p.kind} policy on ${p.relation}`;
}

/** `drop_after 30 days, every 1 day`. */
export function describePolicy(p: PolicyInfo): string {
  const settings = Object.entries(p.config).map(([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [...settings, `every ${p.scheduleInterval}`].join(', ');
}

function comparePolicies(expected: PolicyInfo[], live: PolicyInfo[], both: (name: string) => boolean): Difference[] {
  const out: Difference[] = [];
  const key = (p: PolicyInfo) => `${p.kind} ${p.relation}`;
  const liveByKey = new Map(live.map((p) => [key(p), p]));
  for (const e of expected) {
    if (!both(e.relation)) continue;
    const l = liveByKey.get(key(e));
    const base = { object: policyName(e), table: e.relation, item: e.kind };
    if (!l) out.push({ ...base, kind: 'missing_policy', expected: describePolicy(e), actual: null, severity: 'error' });
    else if (describePolicy(e) !== describePolicy(l)) out.push({ ...base, kind: 'policy_settings', expected: describePolicy(e), actual: describePolicy(l), severity: 'error' });
  }
  const expectedKeys = new Set(expected.map(key));
  for (const l of live) {
    if (!both(l.relation) || expectedKeys.has(key(l))) continue;
    // A retention policy the migrations do not define deletes data nobody asked to delete.
    out.push({ object: policyName(l), table: l.relation, item: l.kind, kind: 'extra_policy', expected: null, actual: describePolicy(l), severity: l.kind === 'retention' ? 'error' : 'warning' });
  }
  return out;
}
