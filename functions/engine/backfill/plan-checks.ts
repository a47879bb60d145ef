// What `plan` says beyond the count, reading only: the target table is missing (and which
// migration makes it), a run of the version already succeeded, the windows one by one, and
// the statements one window would send (text and bound values apart, as the engine gets them).
import type { BoundStatement } from '../drivers/backfill-dialect.js';
import { backfillDialect } from '../drivers/backfill-dialect.js';
import type { Driver, Engine, TrackingRow } from '../drivers/driver.js';
import { UsageError } from '../errors.js';
import { parseCreateTable, parseMaterializedView } from '../lint/ddl.js';
import type { Migration, MigrationSet } from '../migrations/set.js';
import { parseStatements } from '../sql/statements.js';
import type { RunRecord } from '../state/records.js';
import type { RunStore } from '../state/run-store.js';
import type { BackfillDefinition } from './definition.js';
import { STRATEGIES, windowKey } from './strategies/index.js';
import { floorToGrid, gridWindows } from './windows.js';

/** The first migration whose up SQL creates `table` (a table or a materialized view); TypeScript ones cannot be read without running them. */
export function creatingMigration(set: MigrationSet, engine: Engine, table: string): Migration | undefined {
  const name = table.split('.').pop();
  return set.migrations.find((m) => m.upSql !== undefined && parseStatements(m.upSql, engine).some((s) => (parseCreateTable(s.code) ?? parseMaterializedView(s.code))?.name === name));
}

/** A warning when the backfill's target is not there: a backfill would fail every window. */
export async function missingTargetWarning(driver: Driver, set: MigrationSet, def: BackfillDefinition, tracking: TrackingRow[]): Promise<string | undefined> {
  if (await backfillDialect(driver).tableExists(driver, def.target)) return undefined;
  const creator = creatingMigration(set, driver.engine, def.target);
  if (!creator) return `target table ${def.target} does not exist: hourglass apply first (no migration here creates it)`;
  const label = `migration ${creator.version} (${creator.name})`;
  if (tracking.find((row) => row.version === creator.version)?.status === 'applied') {
    return `target table ${def.target} does not exist, though ${label}, which creates it, is applied: dropped since? Every window would fail until it is back`;
  }
  return `target table ${def.target} does not exist yet: ${label} creates it (hourglass apply --to ${creator.version} first)`;
}

/** Runs listed to find an earlier success: the store lists the newest first, at most this many. */
const RUNS_LOOKED_AT = 1000;

/** Succeeded runs of `version` on this target (by its display URL), newest first. */
export async function succeededRuns(runs: RunStore, version: number, target: string): Promise<RunRecord[]> {
  return (await runs.listRuns(RUNS_LOOKED_AT)).filter((r) => r.migrationVersion === version && r.status === 'succeeded' && r.target === target);
}

export function succeededRunWarning(done: RunRecord[]): string | undefined {
  const last = done[0];
  if (!last) return undefined;
  const more = done.length > 1 ? ` (and ${done.length - 1} earlier)` : '';
  return `run ${last.runId} of this version already succeeded${more}, over ${last.rangeStart} … ${last.rangeEnd}: a new backfill would redo those windows`;
}

/** `at` as a window of the plan [from, to): its span, or a UsageError (exit 2) saying why it is not one. */
export function windowAt(at: Date, from: Date, to: Date, windowMs: number, batchSize: number): { start: Date; end: Date } {
  const iso = at.toISOString();
  if (at < from || at >= to) throw new UsageError(`--sql ${iso} is outside the plan's range ${from.toISOString()} … ${to.toISOString()}`);
  const [w] = gridWindows(from, to, windowMs, batchSize, { first: at, last: at });
  if (!w || w.start.getTime() !== at.getTime()) {
    const holding = new Date(Math.max(from.getTime(), floorToGrid(at, windowMs).getTime()));
    throw new UsageError(`--sql ${iso} is not a window start: it lies in the window starting ${holding.toISOString()}`);
  }
  return { start: w.start, end: w.end };
}

export interface ShownStatement extends BoundStatement {
  note?: string;
}

/** The statements window `span` runs when its statement is its own (a group of adjacent windows runs them over its span), as the engine receives them. */
export async function windowStatements(driver: Driver, def: BackfillDefinition, version: number, span: { start: Date; end: Date }): Promise<ShownStatement[]> {
  const dialect = backfillDialect(driver);
  const planned = await STRATEGIES[def.strategy].statements({ driver, dialect, def, span, windows: [span], windowKeys: [windowKey(version, span.start.toISOString())] });
  return planned.map((s) => ({ ...dialect.bind(s.sql, s.params), ...(s.note ? { note: s.note } : {}) }));
}

/** A window's statements run in one transaction (PostgreSQL), unless its strategy refuses one. */
export function runsInTransaction(driver: Pick<Driver, 'transactional'>, def: BackfillDefinition): boolean {
  return driver.transactional && !STRATEGIES[def.strategy].outsideTransaction;
}
