// plan <version>: what a backfill would do, writing nothing. The count and range, warnings
// (slow windows, a missing target, a run that already succeeded), and on request every window
// (--windows) or the statements of one (--sql <window start>).
import { UsageError } from '../../engine/errors.js';
import { parseUtcTime } from '../../engine/backfill/definition.js';
import { parseWindowSize } from '../../engine/backfill/duration.js';
import { loadDefinition, prepareRun } from '../../engine/backfill/plan.js';
import { runsInTransaction, succeededRunWarning, succeededRuns, windowAt, windowStatements, type ShownStatement } from '../../engine/backfill/plan-checks.js';
import { gridWindows } from '../../engine/backfill/windows.js';
import { loadMigrationSet } from '../../engine/migrations/set.js';
import { isSameTarget } from '../../engine/target-url.js';
import type { CliContext } from '../context.js';
import { partialFirstWindow, timeArg, versionArg } from './backfill.js';

export async function planCommand(ctx: CliContext): Promise<number> {
  const version = versionArg(ctx.args.positionals[0]);
  const window = ctx.args.options.window as string | undefined;
  if (window) parseWindowSize(window);
  const from = timeArg(ctx, 'from');
  const to = timeArg(ctx, 'to');
  const sqlAt = sqlArg(ctx);
  const set = loadMigrationSet(ctx.migrationsDir);
  // A malformed backfill file is the error to give first, database or not.
  await loadDefinition(set, version, window);
  const missing = ctx.missingDatabaseDir();
  // plan writes nothing: not even an empty database where there is none yet.
  if (missing !== undefined) throw new UsageError(`nothing at ${missing} yet: no database to plan against (hourglass apply creates it)`);
  const driver = await ctx.openDriver();
  const p = await prepareRun(driver, set, { version, from, to, window, concurrency: 1, dryRun: true, batching: 'process' });
  // Every bad input is refused before anything is printed.
  const span = sqlAt && windowAt(sqlAt, p.from, p.to, p.def.windowMs, p.batchSize);
  const statements = span ? await windowStatements(driver, p.def, version, span) : undefined;
  // No state yet: no runs, and nothing created to find that out.
  const done = ctx.stateMissing() ? [] : await succeededRuns((await ctx.openState()).runs, version, (recorded) => isSameTarget(recorded, ctx.target));
  const warnings = [...p.warnings, ...[succeededRunWarning(done)].filter((w) => w !== undefined)];
  const list = ctx.args.options.windows === true ? gridWindows(p.from, p.to, p.def.windowMs, p.batchSize) : undefined;
  const transaction = runsInTransaction(driver, p.def);
  if (ctx.json) {
    ctx.io.out(JSON.stringify({
      version, from: p.from.toISOString(), to: p.to.toISOString(), window: p.def.window, windows: p.windowCount, batchSize: p.batchSize, strategy: p.def.strategy, warnings,
      ...(list ? { windowList: list.map((w) => ({ start: w.start.toISOString(), end: w.end.toISOString() })) } : {}),
      ...(span && statements ? { sql: { start: span.start.toISOString(), end: span.end.toISOString(), transaction, statements } } : {}),
    }));
    return 0;
  }
  const lines = [
    `backfill ${version} (${p.name}) into ${p.def.target} · strategy ${p.def.strategy}`,
    `range ${p.from.toISOString()} … ${p.to.toISOString()} · ${p.windowCount} windows of ${p.def.window} · batches of ${p.batchSize}`,
  ];
  // The columns of `hourglass windows`.
  if (list) lines.push(`${'start'.padEnd(24)}  end`, ...list.map((w) => `${w.start.toISOString().padEnd(24)}  ${w.end.toISOString()}`), `${list.length} window(s)`);
  // With --sql, stdout is a script: everything else on it is a comment.
  ctx.io.out((span && statements ? [...lines.map((l) => `-- ${l}`), ...sqlLines(span, statements, transaction)] : lines).join('\n'));
  for (const w of warnings) ctx.io.err(`warning: ${w}`);
  const note = partialFirstWindow(p.from, p.def.windowMs);
  if (note) ctx.io.err(note);
  return 0;
}

/** --sql <window start>: a time now; that it starts a window of the plan is checked once the range is known. */
function sqlArg(ctx: CliContext): Date | undefined {
  const value = ctx.args.options.sql;
  if (value === undefined) return undefined;
  return parseUtcTime(String(value), (problem) => {
    throw new UsageError(`--sql: ${problem}`);
  });
}

/** Each statement's text, then the values bound to it (sent apart from the text, never spliced in). */
function sqlLines(span: { start: Date; end: Date }, statements: ShownStatement[], transaction: boolean): string[] {
  const lines = [`-- window ${span.start.toISOString()} … ${span.end.toISOString()}: ${statements.length} statement(s)${transaction ? ', in one transaction' : ''}`];
  statements.forEach((s, i) => {
    lines.push(`-- ${i + 1}/${statements.length}${s.note ? `: ${s.note}` : ''}`, `${s.sql};`);
    const bound = Object.entries(s.params);
    lines.push(bound.length ? `-- bound: ${bound.map(([name, value]) => `${name} = ${JSON.stringify(value)}`).join(', ')}` : '-- bound: none');
  });
  return lines;
}
