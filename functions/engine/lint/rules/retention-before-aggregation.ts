import { definitelyShorter, spanOf, spanText } from '../interval.js';
import type { Schema } from '../schema.js';
import { aggregatePolicyCalls, retentionCalls } from '../timescale.js';
import { lookup } from '../timescale-schema.js';
import type { Token } from '../../sql/lexer.js';
import type { Hit, LintStatement, Rule } from '../types.js';

// Fires on whichever call completes the pair, in this migration or across migrations: the
// retention policy added over an aggregate whose refresh policy reaches further back, or the
// refresh policy added over a hypertable whose retention is shorter. Intervals are compared
// only when the answer holds for every month length; anything unreadable says nothing.

export const rule: Rule = {
  name: 'retention-before-aggregation',
  severity: 'error',
  engines: ['postgres'],
  summary: "a hypertable's retention `drop_after` shorter than the `start_offset` of a continuous aggregate's refresh policy over it: raw rows are dropped before they are aggregated",
  check(m, ctx) {
    return m.statements.flatMap((s) => {
      const before = ctx.schemaBefore(s);
      const hits: Hit[] = [];
      for (const call of retentionCalls(s.code)) {
        const table = lookup(before, call.table);
        if (!table || !call.dropAfter) continue;
        for (const [view, shape] of before) {
          const policy = shape.aggregate?.policy;
          if (!policy?.startOffset || !sameName(shape.aggregate?.source, table.name)) continue;
          const h = conflict(s, table.name, call.dropAfter, 'here', view, policy.startOffset, policy.at);
          if (h) hits.push(h);
        }
      }
      for (const call of aggregatePolicyCalls(s.code)) {
        const view = lookup(before, call.view);
        const source = sourceOf(before, view?.shape.aggregate?.source);
        if (!view || !source?.shape.retention?.dropAfter || !call.startOffset) continue;
        const h = conflict(s, source.name, source.shape.retention.dropAfter, source.shape.retention.at, view.name, call.startOffset, 'here');
        if (h) hits.push(h);
      }
      return hits;
    });
  },
};

function sourceOf(schema: Schema, name: string | undefined) {
  return name === undefined ? undefined : lookup(schema, name);
}

function sameName(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

function conflict(s: LintStatement, table: string, dropAfter: Token[], retentionAt: string, view: string, startOffset: Token[], policyAt: string): Hit | undefined {
  const drop = spanOf(dropAfter);
  const start = spanOf(startOffset);
  if (!drop || !start || !definitelyShorter(drop, start)) return undefined;
  const dropText = spanText(dropAfter);
  const startText = start.kind === 'unbounded' ? 'NULL (the whole history)' : spanText(startOffset);
  const where = (at: string) => (at === 'here' ? '' : ` (${at})`);
  return {
    statement: s,
    message: `retention on ${table} drops raw rows older than ${dropText}${where(retentionAt)}, but the refresh policy of ${view} reaches back ${startText}${where(policyAt)}: rows are dropped before they are aggregated`,
    fix: start.kind === 'unbounded'
      ? `give ${view}'s policy a start_offset shorter than ${dropText} (add_continuous_aggregate_policy('${view}', start_offset => …))`
      : `make drop_after longer than ${startText} (add_retention_policy('${table}', drop_after => …)), or give ${view}'s policy a start_offset shorter than ${dropText}`,
  };
}
