// On a cluster, a DDL statement without ON CLUSTER changes one replica only. Judged across the
// whole migration set: once any statement names a cluster, every DDL statement must name the
// same one.
import type { Token } from '../../sql/lexer.js';
import { findTopWords, identifier, isWord } from '../tokens.js';
import type { LintPlan, Rule } from '../types.js';

function clusterOf(code: Token[]): string | null | undefined {
  if (!isWord(code[0], 'CREATE', 'ALTER', 'DROP', 'RENAME', 'EXCHANGE', 'TRUNCATE', 'ATTACH', 'DETACH')) return undefined;
  const at = findTopWords(code, ['ON', 'CLUSTER']);
  return at === -1 ? null : identifier(code[at + 2]) ?? code[at + 2]?.value ?? '';
}

function clusters(plan: LintPlan): Set<string> {
  const names = new Set<string>();
  for (const m of plan.migrations) for (const s of m.statements) {
    const c = clusterOf(s.code);
    if (c) names.add(c);
  }
  return names;
}

export const rule: Rule = {
  name: 'on-cluster-mismatch',
  severity: 'error',
  engines: ['clickhouse'],
  summary: 'ON CLUSTER used in some DDL statements of the migration set and not in others (or with another cluster)',
  check(m, ctx) {
    const used = clusters(ctx.plan);
    if (used.size === 0) return [];
    const expected = [...used].join(', ');
    return m.statements.flatMap((s) => {
      const c = clusterOf(s.code);
      if (c === undefined || (c !== null && used.size === 1)) return [];
      return [{
        statement: s,
        message: c === null ? `no ON CLUSTER, while other statements run ON CLUSTER ${expected}: only one replica would change` : `ON CLUSTER ${c}, while the migrations use clusters ${expected}`,
        fix: `add ON CLUSTER ${[...used][0]} after the object name, the same in every DDL statement`,
      }];
    });
  },
};
