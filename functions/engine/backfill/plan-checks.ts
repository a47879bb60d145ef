// What `plan` says beyond the count, reading only: the target table is missing (and which
// migration makes it), a run of the version already succeeded, the windows one by one, and
// the statements one window would send (text and bound values apart, as the engine gets them).
import type { BoundStatement } from '../drivers/backfill-dialect.js';
import { backfillDialect } from '../drivers/backfill-dialect.js';
import type { Driver, Engine, TrackingRow } from '../drivers/driver.js';
import { UsageError } from '../errors.js';
import { parseMaterializedView } from '../lint/ddl.js';
import { applyStatement, type Schema } from '../lint/schema.js';
import type { Migration, MigrationSet } from '../migrations/set.js';
import { parseStatements } from '../sql/statements.js';
import type { RunRecord } from '../state/records.js';
import type { RunStore } from '../state/run-store.js';
import type { BackfillDefinition } from './definition.js';
import { STRATEGIES, windowKey } from './strategies/index.js';
import { floorToGrid, gridWindows } from './windows.js';

/**
 * Which migrations make and unmake `table`, from their up SQL replayed as lint does (CREATE,
 * RENAME, EXCHANGE, DROP): the first that creates it, and the last that removes it for good.
 * TypeScript migrations cannot be read without running them.
 */
export function targetHistory(set: MigrationSet, engine: Engine, table: string): { createdBy?: Migration; removedBy?: Migration } {
  const name = table.split('.').pop()!;
  const schema: Schema = new Map();
  const history: { createdBy?: Migration; removedBy?: Migration } = {};
  for (const m of set.migrations) {
    const before = schema.has(name);
    for (const s of m.upSql === undefined ? [] : parseStatements(m.upSql, engine)) {
      // A ClickHouse materialized view with its own storage is a table the replay does not keep.
      const view = parseMaterializedView(s.code);
      if (view && view.to === undefined && !schema.has(view.name)) schema.set(view.name, { columns: null, sortingKey: [] });
      else applyStatement(schema, s.code);
    }
    const after = schema.has(name);
    if (!before && after) {
      history.createdBy ??= m;
      delete history.removedBy;
    }
    if (before && !after) history.removedBy = m;
  }
  return history;
}

/** A warning when the backfill's target is not there: a backfill would fail every window. */
export async function missingTargetWarning(driver: Driver, set: MigrationSet, def: BackfillDefinition, tracking: TrackingRow[]): Promise<string | undefined> {
  if (await backfillDialect(driver).tableExists(driver, def.target)) return undefined;
  const { createdBy, removedBy } = targetHistory(set, driver.engine, def.target);
  const applied = (m: Migration) => tracking.find((row) => row.version === m.version)?.status === 'applied';
  const label = (m: Migration) => `migration ${m.version} (${m.name})`;
  if (removedBy && applied(removedBy)) return `target table ${def.target} does not exist: ${label(removedBy)}, applied, drops or renames it, so every window would fail`;
  if (!createdBy) return `target table ${def.target} does not exist: hourglass apply first (no migration here creates it)`;
  if (applied(createdBy)) return `target table ${def.target} does not exist, though ${label(createdBy)}, which creates it, is applied: dropped since? Every window would fail until it is back`;
  return `target table ${def.target} does not exist yet: ${label(createdBy)} creates it (hourglass apply --to ${createdBy.version} first)`;
}

/** Runs listed to find an earlier success: the store lists the newest first, at most this many. */
const RUNS_LOOKED_AT = 1000;

/** Succeeded runs of `version` on this target (`isTarget` of the run's recorded display URL), newest first. */
export async function succeededRuns(runs: RunStore, version: number, isTarget: (recorded: string) => boolean): Promise<RunRecord[]> {
  return (await runs.listRuns(RUNS_LOOKED_AT)).filter((r) => r.migrationVersion === version && r.status === 'succeeded' && isTarget(r.target));
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
