// Migration lint: which migrations to lint, and the gate apply passes through.
import type { Engine } from '../drivers/driver.js';
import { LintFailedError, UsageError } from '../errors.js';
import type { MigrationSet } from '../migrations/set.js';
import { runRules } from './lint.js';
import { lintPlan } from './plan.js';
import type { Finding } from './types.js';

export type { Finding, Severity } from './types.js';
export { RULES } from './rules/index.js';
export { formatFinding } from './format.js';

export interface LintOptions {
  /** Versions to lint; every migration of the set when omitted. */
  versions?: number[];
  /** Versions apply would run together; null when not known (offline). */
  pending?: number[] | null;
}

export async function lintMigrations(set: MigrationSet, engine: Engine, options: LintOptions = {}): Promise<Finding[]> {
  const known = new Set(set.migrations.map((m) => m.version));
  for (const v of options.versions ?? []) if (!known.has(v)) throw new UsageError(`unknown version ${v}: no migration with that number in ${set.dir}`);
  const pending = options.pending ? new Set(options.pending) : null;
  const plan = await lintPlan(set, engine, pending);
  return runRules(plan, new Set(options.versions ?? [...known]));
}

/** Apply's gate: throws LintFailedError on any error-level finding in what is about to run; returns the warnings. */
export async function gateApply(set: MigrationSet, engine: Engine, pending: number[]): Promise<Finding[]> {
  if (pending.length === 0) return [];
  const findings = await lintMigrations(set, engine, { versions: pending, pending });
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new LintFailedError(errors);
  return findings;
}

