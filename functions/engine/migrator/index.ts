// Public calls return result objects (Kysely's Migrator style); failures are thrown as
// the specific error types of errors.ts after being recorded.
import type { Driver } from '../drivers/driver.js';
import { MissingDownError, UsageError } from '../errors.js';
import { hasDown, loadTypeScriptMigration, type Migration, type MigrationSet } from '../migrations/set.js';
import { applyOne, type AppliedMigration, type RunOptions } from './apply.js';
import type { Finding } from '../lint/index.js';
import { revertOne, type RevertedMigration } from './revert.js';
import { assertNoDrift, computeStatus, type StatusResult } from './status.js';
import { baselineRows, knownVersion, repairRow, type RecordedBy } from './record.js';

export type { StatusResult, MigrationStatus, MigrationState } from './status.js';
export type { MigrationEvent, AppliedMigration } from './apply.js';

export interface MigratorOptions extends RunOptions {
  /** How long to wait for another process's lock before giving up. */
  lockTimeoutMs?: number;
  /** Lint warnings on the migrations apply is about to run (errors stop it: LintFailedError). */
  onLintWarnings?: (findings: Finding[]) => void;
}

export interface ApplyResult {
  dryRun: boolean;
  /** Dry run: what would run; otherwise what ran. */
  planned: { version: number; name: string; resumeAt?: number }[];
  applied: AppliedMigration[];
  status: StatusResult;
  /** Lint findings on what would run (dry run) or ran (warnings only: errors stop apply). */
  findings: Finding[];
}

export interface RevertResult {
  reverted: RevertedMigration[];
  status: StatusResult;
}

export interface ValidateResult {
  ok: boolean;
  problems: string[];
  warnings: string[];
  status: StatusResult;
}

export class Migrator {
  constructor(private readonly driver: Driver, private readonly set: MigrationSet, private readonly opts: MigratorOptions) {}

  async status(): Promise<StatusResult> {
    return computeStatus(this.driver.display, this.set, await this.driver.readTracking());
  }

  async validate(): Promise<ValidateResult> {
    const status = await this.status();
    const problems: string[] = [];
    for (const m of status.migrations) {
      if (m.state === 'changed') problems.push(`migration ${m.version} (${m.name}) was changed after it was applied (if intended: hourglass repair ${m.version} --reason "…")`);
      if (m.state === 'missing') problems.push(`migration ${m.version} (${m.name}) is applied but its files are missing`);
      if (m.state === 'failed') problems.push(`migration ${m.version} (${m.name}) failed: ${m.error ?? 'unknown error'}`);
    }
    // Importing every TypeScript migration proves it loads (a module that throws is a file error, exit 2).
    for (const m of this.set.migrations) if (m.form === 'ts') await loadTypeScriptMigration(m);
    return { ok: problems.length === 0, problems, warnings: status.warnings, status };
  }

  async apply(options: { to?: number; dryRun?: boolean } = {}): Promise<ApplyResult> {
    const to = this.checkVersion(options.to);
    if (options.dryRun) {
      // Reads only: no lock, no tracking table created.
      const status = await this.status();
      assertNoDrift(status);
      const pendingRuns = this.pending(status, to);
      // A dry run refuses what the real run would: a TypeScript module that fails to import.
      for (const { m } of pendingRuns) if (m.form === 'ts') await loadTypeScriptMigration(m);
      const planned = pendingRuns.map(({ m, resumeAt }) => ({ version: m.version, name: m.name, ...(resumeAt ? { resumeAt } : {}) }));
      const versions = planned.map((p) => p.version);
      // The lint rules load only when something is about to run (status and a no-op apply never lint).
      const findings = versions.length ? await (await import('../lint/index.js')).lintMigrations(this.set, this.driver.engine, { versions, pending: versions }) : [];
      return { dryRun: true, planned, applied: [], status, findings };
    }
    // Nothing pending (the common case at every deploy): answer without taking the lock.
    const unlocked = await this.status();
    assertNoDrift(unlocked);
    if (this.pending(unlocked, to).length === 0) return { dryRun: false, planned: [], applied: [], status: unlocked, findings: [] };
    return this.locked(async () => {
      // Every check (drift, TypeScript imports) before the first write: bad input changes
      // nothing, not even by creating the tracking table. readTracking never creates it.
      const rows = await this.driver.readTracking();
      const before = computeStatus(this.driver.display, this.set, rows);
      assertNoDrift(before);
      const pending = this.pending(before, to);
      for (const { m } of pending) if (m.form === 'ts') await loadTypeScriptMigration(m);
      // Lint gate: an error-level finding stops everything here, before the first statement.
      const findings = await (await import('../lint/index.js')).gateApply(this.set, this.driver.engine, pending.map(({ m }) => m.version));
      if (findings.length > 0) this.opts.onLintWarnings?.(findings);
      await this.driver.ensureTrackingTable();
      const applied: AppliedMigration[] = [];
      const byVersion = new Map(rows.map((r) => [r.version, r]));
      for (const { m } of pending) applied.push(await applyOne(this.driver, m, byVersion.get(m.version), this.opts));
      return { dryRun: false, planned: pending.map(({ m }) => ({ version: m.version, name: m.name })), applied, status: await this.status(), findings };
    });
  }

  async revert(options: { to?: number } = {}): Promise<RevertResult> {
    // As apply and plan do: an unknown --to is bad input, not "nothing to revert".
    this.checkVersion(options.to);
    return this.locked(async () => {
      const rows = await this.driver.readTracking();
      const status = computeStatus(this.driver.display, this.set, rows);
      assertNoDrift(status);
      const appliedVersions = status.migrations.filter((m) => m.state === 'applied').map((m) => m.version);
      if (appliedVersions.length === 0) return { reverted: [], status };
      await this.driver.ensureTrackingTable(); // a table from before baseline/repair gets their columns
      const to = options.to ?? (appliedVersions.length > 1 ? appliedVersions[appliedVersions.length - 2] : 0);
      if (!Number.isSafeInteger(to) || to < 0) throw new UsageError(`invalid --to ${to}: expected a version number`);
      const targets = appliedVersions.filter((v) => v > to).reverse().map((v) => this.byVersion(v)!);
      for (const m of targets) if (!(await hasDown(m))) throw new MissingDownError(m.version, m.name);
      const byVersion = new Map(rows.map((r) => [r.version, r]));
      const reverted: RevertedMigration[] = [];
      for (const m of targets) reverted.push(await revertOne(this.driver, m, byVersion.get(m.version)!, this.opts));
      return { reverted, status: await this.status() };
    });
  }

  /** Marks every migration up to `version` applied without running it; refused once anything is recorded. */
  async baseline(version: number, who: RecordedBy): Promise<{ baselined: { version: number; name: string }[]; status: StatusResult }> {
    // Checked before the lock and again under it: bad input never creates the tracking table.
    const now = this.opts.now?.() ?? new Date();
    baselineRows(this.set, await this.driver.readTracking(), version, who, now);
    return this.locked(async () => {
      const rows = baselineRows(this.set, await this.driver.readTracking(), version, who, now);
      await this.driver.ensureTrackingTable();
      const write = async (tx?: Parameters<Driver['writeTracking']>[1]) => { for (const row of rows) await this.driver.writeTracking(row, tx); };
      if (this.driver.transactional) await this.driver.transaction(write);
      else await write();
      return { baselined: rows.map((r) => ({ version: r.version, name: r.name })), status: await this.status() };
    });
  }

  /** Records the edited file's checksum for applied migration `version`, with who and why. */
  async repair(version: number, who: RecordedBy): Promise<{ version: number; name: string; from: string; to: string; status: StatusResult }> {
    knownVersion(this.set, version, 'repair');
    repairRow(this.driver.display, this.set, await this.driver.readTracking(), version, who);
    return this.locked(async () => {
      const rows = await this.driver.readTracking();
      const row = repairRow(this.driver.display, this.set, rows, version, who);
      const from = rows.find((r) => r.version === version)!.checksum;
      await this.driver.ensureTrackingTable();
      await this.driver.writeTracking(row);
      return { version, name: row.name, from, to: row.checksum, status: await this.status() };
    });
  }

  private pending(status: StatusResult, to: number | undefined): { m: Migration; resumeAt?: number }[] {
    return status.migrations
      .filter((s) => (s.state === 'pending' || s.state === 'failed' || s.state === 'running') && (to === undefined || s.version <= to))
      .map((s) => ({ m: this.byVersion(s.version)!, resumeAt: s.state !== 'pending' && !this.driver.transactional ? s.statementsDone : undefined }));
  }

  private byVersion(version: number): Migration | undefined {
    return this.set.migrations.find((m) => m.version === version);
  }

  private checkVersion(to: number | undefined): number | undefined {
    if (to === undefined) return undefined;
    if (!Number.isSafeInteger(to) || to < 0) throw new UsageError(`invalid --to ${to}: expected a version number`);
    if (to !== 0 && !this.byVersion(to)) throw new UsageError(`unknown version ${to}: no migration with that number in ${this.set.dir}`);
    return to;
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const lock = await this.driver.acquireMigrationLock(this.opts.runId, this.opts.lockTimeoutMs ?? 60_000);
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }
}

