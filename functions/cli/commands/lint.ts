// `hourglass lint [--json] [--all] [versions…]`: the migrations apply would run (pending, read
// from the target's tracking table like `status`), or every one with --all, or the versions
// named. --all and versions lint the files alone, with no connection to the target.
import { ConnectionError, UsageError, errorMessage } from '../../engine/errors.js';
import { lintMigrations, type Finding } from '../../engine/lint/index.js';
import { formatFinding, jsonFinding } from '../../engine/lint/format.js';
import { loadMigrationSet } from '../../engine/migrations/set.js';
import { computeStatus } from '../../engine/migrator/status.js';
import { integerArg } from '../args.js';
import type { CliContext } from '../context.js';

export async function lintCommand(ctx: CliContext): Promise<number> {
  const all = ctx.args.options.all === true;
  const versions = ctx.args.positionals.map((v) => integerArg(v, 'version')!);
  if (all && versions.length > 0) throw new UsageError('lint takes --all or versions, not both');
  const set = loadMigrationSet(ctx.migrationsDir);
  const engine = ctx.target.engine;
  let findings: Finding[];
  let what: string;
  if (all || versions.length > 0) {
    findings = await lintMigrations(set, engine, all ? {} : { versions });
    what = all ? `${set.migrations.length} migration(s)` : `migration(s) ${versions.join(', ')}`;
  } else {
    const pending = await pendingVersions(ctx, set);
    findings = pending.length ? await lintMigrations(set, engine, { versions: pending, pending }) : [];
    what = pending.length ? `${pending.length} pending migration(s)` : 'no pending migrations';
  }
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ findings: findings.map(jsonFinding) }));
  } else {
    for (const f of findings) ctx.io.out(formatFinding(f));
    const errors = findings.filter((f) => f.severity === 'error').length;
    ctx.io.out(findings.length ? `${errors} error(s), ${findings.length - errors} warning(s) in ${what}` : `lint: ${what}, no findings`);
  }
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

async function pendingVersions(ctx: CliContext, set: ReturnType<typeof loadMigrationSet>): Promise<number[]> {
  let rows;
  try {
    rows = await (await ctx.openDriver()).readTracking();
  } catch (error) {
    if (!(error instanceof ConnectionError)) throw error;
    throw new ConnectionError(`cannot read pending migrations: ${errorMessage(error)} (lint --all or lint <version> needs no connection)`, { cause: error });
  }
  return computeStatus(ctx.target.display, set, rows).migrations
    .filter((m) => m.state === 'pending' || m.state === 'failed' || m.state === 'running')
    .map((m) => m.version);
}
