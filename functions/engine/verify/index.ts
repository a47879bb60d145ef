// verify: the live schema against the schema the migrations produce on a scratch database,
// materialized views against the tables they write, repair SQL for what differs, and the
// data checks (a backfill run's per-window counts, freshness of materialized views).
// verifyTarget is what the state machine's Verify step and the CLI call; it reads only and
// changes nothing on the target.
import type { Driver } from '../drivers/driver.js';
import type { MigrationSet } from '../migrations/set.js';
import type { RunStore } from '../state/run-store.js';
import { compareSnapshots } from './compare.js';
import { checkFreshness } from './data-freshness.js';
import { checkWindowCounts, windowsOk } from './data-windows.js';
import { expectedSnapshot, liveSnapshot, planExpected } from './expected.js';
import { repairPlan } from './repair.js';
import type { DataReport, Difference, SchemaSnapshot, VerifyReport } from './types.js';

export type * from './types.js';
export { compareSnapshots } from './compare.js';
export { writeRepairMigration } from './write-repair.js';

export const DEFAULT_FRESHNESS_LAG_MS = 3_600_000;

export interface VerifyOptions {
  /** With `runId`: check that run's per-window source and target counts. */
  runs?: RunStore;
  runId?: string;
  /** How far a materialized view's target may trail its source (default 1h). */
  freshnessLagMs?: number;
  /** Skip the data checks (schema only). */
  schemaOnly?: boolean;
  now?: () => Date;
  /** Epoch ms by which the scratch build must be done and dropped (a Lambda's remaining time). */
  deadline?: number;
}

export async function verifyTarget(driver: Driver, set: MigrationSet, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const warnings: string[] = [];
  const plan = await planExpected(driver, set);
  warnings.push(...plan.warnings);
  const live = await liveSnapshot(driver);
  const expected = await expectedSnapshot(driver, set, plan, { now: opts.now?.() ?? new Date(), deadline: opts.deadline, warn: (w) => warnings.push(w) });
  const differences = compareSnapshots(expected, live);
  return {
    target: driver.display,
    engine: driver.engine,
    clean: differences.length === 0,
    differences,
    repair: repairPlan(expected, live, differences),
    data: opts.schemaOnly ? { ok: true, windows: null, freshness: [] } : await dataChecks(driver, live, opts),
    expectedVersions: plan.versions,
    warnings,
  };
}

async function dataChecks(driver: Driver, live: SchemaSnapshot, opts: VerifyOptions): Promise<DataReport> {
  const windows = opts.runId && opts.runs ? await checkWindowCounts(opts.runs, opts.runId) : null;
  const freshness = await checkFreshness(driver, live, opts.freshnessLagMs ?? DEFAULT_FRESHNESS_LAG_MS);
  return { ok: (windows === null || windowsOk(windows)) && freshness.every((f) => f.ok), windows, freshness };
}

/** The public form of a difference: `{kind, object, expected, actual, severity}`. */
export function publicDifference(d: Difference): Pick<Difference, 'kind' | 'object' | 'expected' | 'actual' | 'severity'> {
  return { kind: d.kind, object: d.object, expected: d.expected, actual: d.actual, severity: d.severity };
}

/** One line for logs and the state machine's output. */
export function summarizeReport(report: VerifyReport): string {
  const errors = report.differences.filter((d) => d.severity === 'error').length;
  const schema = report.clean ? 'schema matches the migrations' : `${report.differences.length} difference(s) (${errors} error(s))`;
  const mismatched = report.data.windows?.mismatched.length ?? 0;
  const stale = report.data.freshness.filter((f) => !f.ok).length;
  const data = report.data.ok ? 'data checks passed' : `data checks failed (${mismatched} window count mismatch(es), ${stale} stale view(s))`;
  return `${schema}; ${data}`;
}
