// The expected schema, built on the target's own server in a scratch namespace
// (`hourglass_verify_<unix seconds>_<random>`): the migrations applied there, introspected,
// and the scratch dropped on success, failure and timeout alike. A verify killed before it
// could drop (a Lambda timeout) leaves a scratch whose name says when it was made; the next
// verify drops those older than an hour. Nothing embedded runs, so this works in Lambda.
// On TimescaleDB the scratch holds hypertables, continuous aggregates and policies too;
// dropping its schema (CASCADE) removes their chunks, materialization tables and jobs.
import { randomBytes } from 'node:crypto';
import type { Driver, ScratchSpace } from '../drivers/driver.js';
import { HourglassError, ScratchUnavailableError, errorMessage, shortError } from '../errors.js';
import type { MigrationSet } from '../migrations/set.js';
import { introspectClickHouse } from './clickhouse-introspect.js';
import { introspectPostgres } from './postgres-introspect.js';
import { applyToScratch, type ScratchPlan } from './scratch-apply.js';
import { addTimescale } from './timescale-introspect.js';
import { scratchIsolation } from './scratch-isolation.js';
import type { SchemaSnapshot } from './types.js';

export const SCRATCH_PREFIX = 'hourglass_verify_';
const STALE_AFTER_MS = 3_600_000;
/** Time kept back from the deadline to drop the scratch and report. */
const DROP_MARGIN_MS = 15_000;

export interface ScratchBuildOptions {
  now: Date;
  /** Epoch ms by which verify must have answered (a Lambda's remaining time); none locally. */
  deadline?: number;
  warn(message: string): void;
}

export function scratchName(now: Date): string {
  return `${SCRATCH_PREFIX}${Math.floor(now.getTime() / 1000)}_${randomBytes(4).toString('hex')}`;
}

export async function buildExpectedSnapshot(driver: Driver, set: MigrationSet, plan: ScratchPlan, opts: ScratchBuildOptions): Promise<SchemaSnapshot> {
  await dropStaleScratch(driver, opts);
  const isolation = await scratchIsolation(driver, set, plan.versions);
  if (!isolation.ok) throw new ScratchUnavailableError(`cannot build the expected schema: ${isolation.reason}`, 'isolation');
  try {
    return await buildIn(driver, set, plan, isolation.kind, opts);
  } catch (error) {
    // A schema could not hold them after all (a function of an extension in another schema, …):
    // a database of its own can, where the user may create one.
    if (isolation.kind !== 'schema' || !(error instanceof ScratchUnavailableError) || error.reason !== 'failed') throw error;
    try {
      return await buildIn(driver, set, plan, 'database', opts);
    } catch (fallback) {
      // No database to fall back to (no CREATEDB; PGlite has one): why the schema failed is the answer.
      if (fallback instanceof ScratchUnavailableError && (fallback.reason === 'privilege' || fallback.reason === 'isolation')) throw error;
      throw fallback;
    }
  }
}

async function buildIn(driver: Driver, set: MigrationSet, plan: ScratchPlan, kind: 'database' | 'schema', opts: ScratchBuildOptions): Promise<SchemaSnapshot> {
  const remaining = () => (opts.deadline === undefined ? undefined : opts.deadline - Date.now() - DROP_MARGIN_MS);
  const budget = remaining();
  if (budget !== undefined && budget <= 0) throw new ScratchUnavailableError('cannot build the expected schema: no time left before the deadline', 'deadline');
  const scratch = await driver.openScratch(scratchName(opts.now), { kind, ...(budget === undefined ? {} : { statementTimeoutMs: budget }) });
  try {
    await withDeadline(applyToScratch(scratch.exec, driver.engine, set, plan, opts.now), remaining());
    const snapshot = await introspect(driver, scratch);
    return { ...snapshot, database: driver.database };
  } catch (error) {
    if (error instanceof ScratchUnavailableError) throw error;
    // The migrations failed in the scratch, or a statement hit its time limit: verify could not run.
    if (error instanceof HourglassError || isServerError(error)) throw new ScratchUnavailableError(shortError(error), 'failed', { cause: error });
    throw error;
  } finally {
    await scratch.drop().catch((error: unknown) => opts.warn(`could not drop the scratch ${scratch.kind} ${scratch.name}: ${errorMessage(error)} (the next verify drops it after an hour)`));
  }
}

async function introspect(driver: Driver, scratch: ScratchSpace): Promise<SchemaSnapshot> {
  if (driver.engine === 'clickhouse') return introspectClickHouse(scratch.exec);
  const scope = scratch.kind === 'schema' ? { schema: scratch.name } : {};
  const snapshot = await introspectPostgres(scratch.exec, scope);
  return (await driver.hasTimescaleDb()) ? addTimescale(snapshot, scratch.exec, scope) : snapshot;
}

/** A numbered ClickHouse error or a PostgreSQL SQLSTATE: the server refused a statement (as opposed to a lost connection). */
function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (/^\d+$/.test(code) || /^[0-9A-Z]{5}$/.test(code)) && !/^08/.test(code);
}

async function withDeadline<T>(work: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ScratchUnavailableError('cannot build the expected schema: it did not finish before the deadline', 'deadline')), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function dropStaleScratch(driver: Driver, opts: ScratchBuildOptions): Promise<void> {
  const cutoff = opts.now.getTime() - STALE_AFTER_MS;
  for (const ref of await driver.listScratch(SCRATCH_PREFIX)) {
    const made = Number(/^hourglass_verify_(\d+)_/.exec(ref.name)?.[1] ?? Number.NaN) * 1000;
    if (!(made < cutoff)) continue;
    await driver.dropScratch(ref).catch((error: unknown) => opts.warn(`could not drop the stale scratch ${ref.kind} ${ref.name}: ${errorMessage(error)}`));
  }
}
