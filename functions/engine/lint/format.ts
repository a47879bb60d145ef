// How a finding is printed and serialized. Its own file so the migration commands print
// findings without loading the lint rules (status never lints; apply lints only what runs).
import type { Finding } from './types.js';

export function formatFinding(f: Pick<Finding, 'file' | 'line' | 'rule' | 'message' | 'fix'> & { severity: string }): string {
  return `${f.file}:${f.line} ${f.rule} (${f.severity}): ${f.message}\n  fix: ${f.fix}`;
}

/** The --json contract: exactly these keys, in this order. */
export function jsonFinding(f: Finding) {
  return { rule: f.rule, severity: f.severity, version: f.version, file: f.file, line: f.line, statement: f.statement, message: f.message, fix: f.fix };
}
