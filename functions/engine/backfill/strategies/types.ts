// What a strategy is: plan-time checks, and how it runs a group of adjacent windows as
// statements so that running any window again, alone or inside another group, leaves
// exactly the same rows.
import type { BackfillDialect, PlannedStatement } from '../../drivers/backfill-dialect.js';
import type { Driver, Executor } from '../../drivers/driver.js';
import type { TimeSpan } from '../../drivers/window-range.js';
import type { BackfillDefinition } from '../definition.js';

export interface GroupRun {
  /** Runs the statements; carries the group's limits (PostgreSQL: inside its one transaction, unless the strategy runs outside one). */
  exec: Executor;
  /** Quotes identifiers. */
  driver: Driver;
  dialect: BackfillDialect;
  def: BackfillDefinition;
  /** [first window's start, last window's end). */
  span: TimeSpan;
  /** The group's windows, adjacent, oldest first. */
  windows: TimeSpan[];
  /** Per window, stable across retries and groupings (`<version>:<start ISO>`): tokens and staging names derive from it. */
  windowKeys: string[];
  /** The span is known to be empty (first attempt of every window, empty when the batch began). */
  knownEmpty: boolean;
}

export type { PlannedStatement } from '../../drivers/backfill-dialect.js';

/** `${version}:${window start ISO}`: a window's key (GroupRun.windowKeys), the same on every attempt. */
export function windowKey(version: number, start: string): string {
  return `${version}:${start}`;
}

export interface BackfillStrategy {
  /** Its statements cannot run in a transaction block (TimescaleDB refresh): a group's `exec` is then a plain session. */
  outsideTransaction?: boolean;
  /** Plan-time: refuse (UsageError) what cannot be idempotent on this target. */
  check(driver: Driver, dialect: BackfillDialect, def: BackfillDefinition): Promise<void>;
  /** Plan-time: refuse a range this strategy cannot run exactly. */
  checkRange?(from: Date, to: Date, def: BackfillDefinition): void;
  run(group: GroupRun): Promise<void>;
  /** The statements `run` would send for this group, in order, nothing run (`plan --sql`); a catalog read at most. */
  statements(group: Omit<GroupRun, 'exec' | 'knownEmpty'>): Promise<PlannedStatement[]>;
}
