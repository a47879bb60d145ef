// Lints a migration folder written from a map of file name → text (real files, real set loader).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintMigrations, type Finding } from '../../functions/engine/lint/index.js';
import { loadMigrationSet } from '../../functions/engine/migrations/set.js';

export type Files = Record<string, string>;

export interface RuleCase {
  rule: string;
  /** Earlier migrations (already applied in spirit): shape the schema, not linted. */
  before?: Files;
  /** The migration(s) under test: the rule must fire here… */
  positive: Files;
  /** …and stay silent on the safe rewrite. */
  safe: Files;
  /** Versions pending together (the apply gate's view); default: offline. */
  pending?: number[];
  /** Overrides of `before` / `pending` for the safe case. */
  safeBefore?: Files;
  safePending?: number[];
}

export async function lintFiles(engine: 'clickhouse' | 'postgres', files: Files, options: { versions?: number[]; pending?: number[] } = {}): Promise<Finding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hourglass-lint-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return await lintMigrations(loadMigrationSet(dir), engine, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Findings of one rule on the case's files, linting only the versions under test. */
export async function ruleFindings(engine: 'clickhouse' | 'postgres', c: RuleCase, which: 'positive' | 'safe'): Promise<Finding[]> {
  const before = which === 'safe' && c.safeBefore ? c.safeBefore : c.before;
  const pending = which === 'safe' && c.safePending ? c.safePending : c.pending;
  const files = { ...before, ...c[which] };
  const versions = [...new Set(Object.keys(c[which]).map((f) => Number(f.split('_')[0])))];
  const findings = await lintFiles(engine, files, { versions, pending });
  return findings.filter((f) => f.rule === c.rule);
}
