// status, validate, apply, revert: the migration commands.
import { loadMigrationSet } from '../../engine/migrations/set.js';
import { Migrator, type MigrationEvent, type StatusResult } from '../../engine/migrator/index.js';
import { computeStatus } from '../../engine/migrator/status.js';
import { cutoverWindowMs } from '../../engine/backfill/definition.js';
import { LintFailedError } from '../../engine/errors.js';
import { formatFinding, jsonFinding } from '../../engine/lint/format.js';
import { integerArg } from '../args.js';
import type { CliContext } from '../context.js';
import { randomUUID } from 'node:crypto';

export async function migrator(ctx: CliContext): Promise<Migrator> {
  const set = loadMigrationSet(ctx.migrationsDir);
  const driver = await ctx.openDriver();
  return new Migrator(driver, set, {
    runId: (ctx.args.options['run-id'] as string | undefined) ?? `cli-${randomUUID()}`,
    now: () => ctx.now(),
    lockTimeoutMs: integerArg(ctx.args.options['lock-timeout'], '--lock-timeout (ms)') ?? 60_000,
    onEvent: ctx.json ? undefined : (e) => printEvent(ctx, e),
    onLintWarnings: (findings) => { for (const f of findings) ctx.io.err(`lint ${formatFinding(f)}`); },
    cutoverWindowMs,
  });
}

export async function statusCommand(ctx: CliContext): Promise<number> {
  const status = await readStatus(ctx);
  if (ctx.json) {
    ctx.io.out(JSON.stringify(statusJson(status)));
  } else {
    printStatus(ctx, status);
  }
  return status.migrations.some((m) => m.state === 'failed' || m.state === 'changed' || m.state === 'missing') ? 1 : 0;
}

/** The status; on an embedded target whose directory does not exist yet, every migration pending, and nothing created. */
async function readStatus(ctx: CliContext): Promise<StatusResult> {
  const missing = ctx.missingDatabaseDir();
  if (missing === undefined) return (await migrator(ctx)).status();
  const status = computeStatus(ctx.target.display, loadMigrationSet(ctx.migrationsDir), []);
  status.warnings.unshift(`nothing at ${missing} yet: no database there, every migration is pending (hourglass apply creates it)`);
  return status;
}

export async function validateCommand(ctx: CliContext): Promise<number> {
  const result = await (await migrator(ctx)).validate();
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ ok: result.ok, problems: result.problems, warnings: result.warnings }));
  } else {
    for (const w of result.warnings) ctx.io.err(`warning: ${w}`);
    for (const p of result.problems) ctx.io.out(`problem: ${p}`);
    ctx.io.out(result.ok ? `ok: ${result.status.migrations.length} migrations valid` : `${result.problems.length} problem(s) found`);
  }
  return result.ok ? 0 : 1;
}

export async function applyCommand(ctx: CliContext): Promise<number> {
  const to = integerArg(ctx.args.options.to, '--to');
  const dryRun = ctx.args.options['dry-run'] === true;
  const result = await (await migrator(ctx)).apply({ to, dryRun }).catch((error: unknown) => {
    // Every error-level finding, not just the first the error line names.
    if (error instanceof LintFailedError && !ctx.json) for (const f of error.findings) ctx.io.err(`lint ${formatFinding(f)}`);
    throw error;
  });
  const refused = dryRun && result.findings.some((f) => f.severity === 'error');
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ dryRun, planned: result.planned, applied: result.applied, databaseVersion: result.status.databaseVersion, codeVersion: result.status.codeVersion, ...(dryRun ? { findings: result.findings.map(jsonFinding) } : {}) }));
  } else if (dryRun) {
    if (result.planned.length === 0) ctx.io.out('dry run: nothing to apply');
    for (const p of result.planned) ctx.io.out(`would apply ${p.version} ${p.name}${p.resumeAt ? ` (resuming at statement ${p.resumeAt + 1})` : ''}`);
    for (const f of result.findings) ctx.io.out(`lint ${formatFinding(f)}`);
    if (refused) ctx.io.out('apply would be refused: lint found error-level problems');
  } else {
    ctx.io.out(result.applied.length === 0 ? `nothing to apply: database is at version ${result.status.databaseVersion ?? 'none'}` : `applied ${result.applied.length} migration(s); database is at version ${result.status.databaseVersion}`);
  }
  return refused ? 1 : 0;
}

export async function revertCommand(ctx: CliContext): Promise<number> {
  const to = integerArg(ctx.args.options.to, '--to');
  const result = await (await migrator(ctx)).revert({ to });
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ reverted: result.reverted, databaseVersion: result.status.databaseVersion }));
  } else {
    ctx.io.out(result.reverted.length === 0 ? 'nothing to revert' : `reverted ${result.reverted.length} migration(s); database is at version ${result.status.databaseVersion ?? 'none'}`);
  }
  return 0;
}

export function statusJson(status: StatusResult) {
  return {
    databaseVersion: status.databaseVersion,
    codeVersion: status.codeVersion,
    migrations: status.migrations.map((m) => ({
      version: m.version, name: m.name, state: m.state, checksum: m.checksum, ...(m.error ? { error: m.error } : {}),
      ...(m.recordedChecksum ? { recordedChecksum: m.recordedChecksum } : {}),
      ...(m.appliedAt !== undefined ? { appliedAt: m.appliedAt } : {}),
      ...(m.durationMs !== undefined ? { durationMs: m.durationMs } : {}),
      ...(m.baseline ? { baseline: true } : {}),
      ...(m.recordedBy ? { recordedBy: m.recordedBy } : {}),
      ...(m.reason ? { reason: m.reason } : {}),
    })),
  };
}

function printStatus(ctx: CliContext, status: StatusResult): void {
  ctx.io.out(`target   ${status.target}`);
  ctx.io.out(`database version ${status.databaseVersion ?? 'none'} · code version ${status.codeVersion}`);
  for (const w of status.warnings) ctx.io.err(`warning: ${w}`);
  // One write for the whole list: hundreds of migrations are hundreds of writes otherwise.
  // Applied (and changed) rows: when, how long (blank when not recorded: baseline, older rows),
  // the recorded checksum's first 12 hex digits, and a baseline or repair with who and why.
  const lines = status.migrations.map((m) => {
    const recorded = m.state === 'applied' || m.state === 'changed';
    const detail = recorded
      ? [m.appliedAt ?? '', formatDuration(m.durationMs).padStart(9), (m.recordedChecksum ?? m.checksum).slice(0, 12), noteOf(m)].join('  ')
      : m.error ?? '';
    return `  ${String(m.version).padStart(4, '0')}  ${m.state.padEnd(8)} ${m.name.padEnd(36)} ${detail}`.trimEnd();
  });
  if (lines.length > 0) ctx.io.out(lines.join('\n'));
}

function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return ms < 10_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function noteOf(m: StatusResult['migrations'][number]): string {
  const who = m.recordedBy ? ` by ${m.recordedBy}` : '';
  // A baseline's own reason starts "baseline"; any other reason is a later repair's.
  if (m.reason?.startsWith('baseline')) return `baseline${who}${m.reason.slice('baseline'.length)}`;
  if (m.reason) return `${m.baseline ? 'baseline; ' : ''}repaired${who}: ${m.reason}`;
  return m.baseline ? 'baseline' : '';
}

function printEvent(ctx: CliContext, e: MigrationEvent): void {
  const label = `${e.direction === 'up' ? 'apply' : 'revert'} ${String(e.version).padStart(4, '0')}_${e.name}`;
  if (e.type === 'done') ctx.io.err(`${label} … ok (${e.durationMs} ms)`);
  if (e.type === 'failed') ctx.io.err(`${label} … FAILED${e.statementIndex !== undefined ? ` at statement ${e.statementIndex + 1}` : ''}`);
  if (e.type === 'statement' && ctx.verbose) ctx.io.err(`${label}   statement ${e.statementIndex! + 1}/${e.statementCount} done`);
}
