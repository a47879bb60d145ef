// Shared by several rules: tables created earlier in the same migration (empty, so locks and
// rewrites on them cost nothing — squawk's "created in the same transaction" exemption), and
// each ALTER TABLE action of a statement.
import type { Token } from '../../sql/lexer.js';
import { parseAlterTable, parseCreateTable } from '../ddl.js';
import type { LintMigration, LintStatement } from '../types.js';

export function createdBefore(m: LintMigration, statement: LintStatement): Set<string> {
  const names = new Set<string>();
  for (const s of m.statements) {
    if (s.index >= statement.index) break;
    const created = parseCreateTable(s.code);
    if (created) names.add(created.name);
  }
  return names;
}

/** Every ALTER TABLE action on a table that existed before this migration, with its statement. */
export function alterActions(m: LintMigration): { statement: LintStatement; table: string; action: Token[] }[] {
  const out: { statement: LintStatement; table: string; action: Token[] }[] = [];
  for (const statement of m.statements) {
    const alter = parseAlterTable(statement.code);
    if (!alter || createdBefore(m, statement).has(alter.name)) continue;
    for (const action of alter.actions) out.push({ statement, table: alter.name, action });
  }
  return out;
}
