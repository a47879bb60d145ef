// Plans a backfill run: checks everything a user could have got wrong *before* writing
// anything (unknown version, no backfill, bad range, strategy not possible here), then
// writes the run record with its grid, and nothing per window: O(1) whatever the range.
// A window's record is written when it first runs (state/window-transitions.ts claimWindow).
import { randomBytes } from 'node:crypto';
import type { Driver } from '../drivers/driver.js';
import { UsageError } from '../errors.js';
import { backfillText, type MigrationSet } from '../migrations/set.js';
import type { RunStore } from '../state/run-store.js';
import type { RunRecord, RunOrder } from '../state/records.js';
import { parseBackfillDefinition, type BackfillDefinition } from './definition.js';
import { formatWindowSize, parseWindowSize } from './duration.js';
import { backfillDialect } from '../drivers/backfill-dialect.js';
import { resolveRange } from './range.js';
import { STRATEGIES } from './strategies/index.js';
import { cappedWindowCount, chooseBatchSize, type Batching } from './windows.js';
import { definitionChecksum } from './definition-checksum.js';
import { createOrContinueRun, planKeyOf } from './plan-continue.js';
import { missingTargetWarning } from './plan-checks.js';

export interface PlanRequest {
  version: number;
  from?: Date;
  to?: Date;
  window?: string;
  concurrency: number;
  runId?: string;
  now?: Date;
  /** newest-first: recent hours first (windows and batches run from the end of the range). */
  order?: RunOrder;
  /** How long one statement should take (group-size.ts); kept on the run for every batch. */
  statementTargetMs?: number;
  /** The configured target name: recorded on the run, the key of its run lease. */
  targetName?: string;
  /** The execution planning it: its retried Plan continues the run (plan-continue.ts). */
  plannedBy?: string;
  /** Who runs the batches (windows.ts): the state machine's Map (default) or one process (the CLI). */
  batching?: Batching;
  /** `plan`, a dry run: a missing target is a warning (its strategy checks need the table), not an error. */
  dryRun?: boolean;
}

export interface PlannedRun {
  run: RunRecord;
  def: BackfillDefinition;
  warnings: string[];
  batches: number[];
}

export async function loadDefinition(set: MigrationSet, version: number, windowOverride?: string): Promise<{ def: BackfillDefinition; name: string }> {
  const migration = set.migrations.find((m) => m.version === version);
  if (!migration) throw new UsageError(`unknown version ${version}: no migration with that number in ${set.dir}`);
  const text = await backfillText(migration);
  if (!text) throw new UsageError(`migration ${version} (${migration.name}) has no backfill`);
  const def = parseBackfillDefinition(text, migration);
  if (windowOverride) {
    def.windowMs = parseWindowSize(windowOverride);
    def.window = formatWindowSize(def.windowMs);
  }
  return { def, name: migration.name };
}

export async function checkStrategy(driver: Driver, def: BackfillDefinition): Promise<void> {
  await STRATEGIES[def.strategy].check(driver, backfillDialect(driver), def);
}

/** Everything up to (not including) writing: used by `plan` (a dry run) and `backfill`. */
export async function prepareRun(driver: Driver, set: MigrationSet, req: PlanRequest) {
  const { def, name } = await loadDefinition(set, req.version, req.window);
  const rows = await driver.readTracking();
  const targetWarning = await missingTargetWarning(driver, set, def, rows);
  if (!(targetWarning && req.dryRun)) await checkStrategy(driver, def);
  const tracking = rows.find((row) => row.version === req.version);
  if (req.from && req.to && !(req.from < req.to)) throw new UsageError(`--from ${req.from.toISOString()} is not before --to ${req.to.toISOString()}`);
  const range = await resolveRange(driver, def, tracking, { from: req.from, to: req.to });
  const from = range.from ?? range.to; // empty source: a zero-window run
  if (from > range.to) throw new UsageError(`backfill range is reversed: from ${from.toISOString()} is after to ${range.to.toISOString()}`);
  STRATEGIES[def.strategy].checkRange?.(from, range.to, def);
  const windowCount = cappedWindowCount(from, range.to, def.windowMs);
  const batchSize = chooseBatchSize(windowCount, req.batching);
  // Hourly windows cost a little more than one statement when each window can find its rows
  // through an index or partition, and many times more when every window scans the whole source.
  const warnings = [...(targetWarning ? [targetWarning] : []), ...(await backfillDialect(driver).timeColumnWarnings(driver, def))];
  return { def, name, from, to: range.to, windowCount, batchCount: Math.ceil(windowCount / batchSize), batchSize, warnings };
}

export async function planRun(driver: Driver, runs: RunStore, set: MigrationSet, req: PlanRequest): Promise<PlannedRun> {
  const prepared = await prepareRun(driver, set, req);
  const { def, windowCount, batchSize, batchCount } = prepared;
  const runId = req.runId ?? newRunId(req.version, req.now ?? new Date());
  const checksum = await definitionChecksum(set, req.version);
  const run = await createOrContinueRun(runs, {
    runId, migrationVersion: req.version, migrationName: prepared.name, target: driver.display, engine: driver.engine,
    rangeStart: prepared.from, rangeEnd: prepared.to, windowSize: def.window, windowCount,
    batchSize, concurrency: req.concurrency, strategy: def.strategy, order: req.order, windowsOnDemand: true,
    ...(req.statementTargetMs !== undefined ? { statementTargetMs: req.statementTargetMs } : {}),
    targetName: req.targetName, definitionChecksum: checksum, plannedBy: req.plannedBy,
    planKey: planKeyOf({ ...req, definitionChecksum: checksum }),
  });
  const batches = Array.from({ length: batchCount }, (_, i) => i);
  return { run, def, warnings: prepared.warnings, batches: req.order === 'newest-first' ? batches.reverse() : batches };
}

export function newRunId(version: number, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `bf-${version}-${stamp}-${randomBytes(3).toString('hex')}`;
}
