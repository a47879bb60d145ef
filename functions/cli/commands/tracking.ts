// baseline <version> and repair <version> --reason "…": tracking rows written by hand, with
// who (the OS user, or --by) and why. Neither runs a migration.
import { UsageError } from '../../engine/errors.js';
import { loadMigrationSet } from '../../engine/migrations/set.js';
import { knownVersion } from '../../engine/migrator/record.js';
import { integerArg } from '../args.js';
import type { CliContext } from '../context.js';
import { migrator, statusJson } from './migrate.js';
import { caller } from './valve.js';

/** The version argument, checked against the folder before the target is opened. */
function versionArg(ctx: CliContext): number {
  const version = integerArg(ctx.args.positionals[0], 'version')!;
  knownVersion(loadMigrationSet(ctx.migrationsDir), version, ctx.args.command);
  return version;
}

/** A one-line, bounded text for --by / --reason: it is stored in the tracking table and printed by status. */
function noteArg(value: string | boolean | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (text === '' || /[\r\n]/.test(text) || text.length > 500) throw new UsageError(`invalid ${flag}: one line of 1…500 characters`);
  return text;
}

function who(ctx: CliContext): string {
  return noteArg(ctx.args.options.by, '--by') ?? caller();
}

export async function baselineCommand(ctx: CliContext): Promise<number> {
  const version = versionArg(ctx);
  const reason = noteArg(ctx.args.options.reason, '--reason');
  const by = who(ctx);
  const result = await (await migrator(ctx)).baseline(version, { by, reason });
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ baselined: result.baselined, recordedBy: by, databaseVersion: result.status.databaseVersion, codeVersion: result.status.codeVersion }));
  } else {
    ctx.io.out(`baselined ${result.baselined.length} migration(s) as applied without running them (by ${by}); database is at version ${result.status.databaseVersion}`);
  }
  return 0;
}

export async function repairCommand(ctx: CliContext): Promise<number> {
  const version = versionArg(ctx);
  const reason = noteArg(ctx.args.options.reason, '--reason');
  if (reason === undefined) throw new UsageError('repair needs --reason "…": why the applied migration\'s file was edited');
  const by = who(ctx);
  const result = await (await migrator(ctx)).repair(version, { by, reason });
  const migration = statusJson(result.status).migrations.find((m) => m.version === version);
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ repaired: { version, name: result.name, from: result.from, to: result.to, recordedBy: by, reason }, migration }));
  } else {
    ctx.io.out(`repaired ${version} (${result.name}): recorded checksum ${result.from.slice(0, 12)} → ${result.to.slice(0, 12)} (by ${by}: ${reason})`);
  }
  return 0;
}
