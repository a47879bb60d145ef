// Runs every rule of the target's engine over the migrations being linted, replaying the
// schema of all earlier migrations first, and drops what a reasoned allow exempts.
import { firstCodeLine } from '../sql/statements.js';
import { RULES } from './rules/index.js';
import { applyStatement, cloneSchema, type Schema } from './schema.js';
import type { Finding, Hit, LintMigration, LintPlan, LintStatement, Rule } from './types.js';

export const INVALID_ALLOW = 'invalid-allow';

export function runRules(plan: LintPlan, linted: ReadonlySet<number>): Finding[] {
  const rules = RULES.filter((r) => r.engines.includes(plan.engine));
  const known = new Set(RULES.map((r) => r.name));
  const findings: Finding[] = [];
  const schema: Schema = new Map();
  for (const m of plan.migrations) {
    const before = new Map<LintStatement, Schema>();
    for (const s of m.statements) {
      if (linted.has(m.version)) before.set(s, cloneSchema(schema));
      applyStatement(schema, s.code, `${m.file}:${s.line}`);
    }
    if (!linted.has(m.version)) continue;
    const ctx = { plan, schemaBefore: (s: LintStatement) => before.get(s) ?? new Map() };
    for (const rule of rules) {
      for (const hit of rule.check(m, ctx)) {
        if (!hit.statement.allows.some((a) => a.rule === rule.name && a.reason !== '')) findings.push(finding(m, rule, hit));
      }
    }
    findings.push(...invalidAllows(m, known));
  }
  return findings.sort((a, b) => a.version - b.version || a.line - b.line || a.rule.localeCompare(b.rule));
}

function finding(m: LintMigration, rule: Pick<Rule, 'name' | 'severity'>, hit: Hit): Finding {
  return {
    rule: rule.name, severity: rule.severity, version: m.version, file: m.file, line: hit.statement.line,
    statement: firstCodeLine(hit.statement.text, m.engine), message: hit.message, fix: hit.fix,
  };
}

function invalidAllows(m: LintMigration, known: Set<string>): Finding[] {
  return m.statements.flatMap((s) => s.allows.flatMap((a) => {
    const problem = a.rule === '' || !known.has(a.rule) ? `names no known rule ("${a.rule}")` : a.reason === '' ? 'gives no reason' : undefined;
    if (!problem) return [];
    return [{
      ...finding(m, { name: INVALID_ALLOW, severity: 'error' }, { statement: s, message: `hourglass:allow ${problem}; it exempts nothing`, fix: 'write `-- hourglass:allow <rule> <why this statement is safe>`' }),
      line: a.line,
    }];
  }));
}
