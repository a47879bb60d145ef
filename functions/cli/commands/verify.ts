// verify: the live schema against what the migrations produce, materialized views against
// their tables, and data checks. Exit 0 when clean, 1 on drift or failed data checks.
//   --json        {"clean", "differences": [{kind, object, expected, actual, severity}], "data", "warnings"}
//   --repair-sql  the repair script on stdout (the report goes to stderr, so it can be redirected)
//   --write       the repair saved as the next numbered migration (never applied here)
//   --run-id ID   also check that backfill run's per-window source and target counts
// HOURGLASS_FRESHNESS_LAG (e.g. 30m, 2h; default 1h) is how far a view's target may trail its source.
import { parseWindowSize } from '../../engine/backfill/duration.js';
import { loadMigrationSet } from '../../engine/migrations/set.js';
import { publicDifference, summarizeReport, verifyTarget, writeRepairMigration, type Difference, type VerifyReport } from '../../engine/verify/index.js';
import type { CliContext } from '../context.js';

export async function verifyCommand(ctx: CliContext): Promise<number> {
  const set = loadMigrationSet(ctx.migrationsDir);
  const runId = ctx.args.options['run-id'] as string | undefined;
  const lagText = process.env.HOURGLASS_FRESHNESS_LAG;
  const freshnessLagMs = lagText ? parseWindowSize(lagText) : undefined;
  const driver = await ctx.openDriver();
  const runs = runId ? (await ctx.openState()).runs : undefined;
  const report = await verifyTarget(driver, set, { runs, runId, freshnessLagMs, now: () => ctx.now() });

  const wantsSql = ctx.args.options['repair-sql'] === true;
  let written: string | null = null;
  let refused: string | null = null;
  if (ctx.args.options.write === true) {
    if (report.repair.statements.length > 0) written = writeRepairMigration(set, report.repair);
    else refused = report.clean ? 'nothing to write: the schema matches the migrations' : 'nothing to write: what differs needs a rebuild or a fix by hand (see --repair-sql)';
  }

  if (ctx.json) {
    ctx.io.out(JSON.stringify({
      clean: report.clean,
      differences: report.differences.map(publicDifference),
      data: report.data,
      warnings: report.warnings,
      ...(wantsSql ? { repairSql: report.repair.sql } : {}),
      ...(written ? { written } : {}),
      ...(refused ? { refused } : {}),
    }));
  } else {
    // With --repair-sql stdout carries only SQL, so the report moves to stderr.
    const say = wantsSql ? (text: string) => ctx.io.err(text) : (text: string) => ctx.io.out(text);
    printReport(say, (text) => ctx.io.err(text), report);
    if (wantsSql) ctx.io.out(report.repair.sql.trimEnd() || '-- nothing to repair: the schema matches the migrations');
    if (written) ctx.io.err(`wrote ${written}: review it, then run apply`);
    if (refused) ctx.io.err(refused);
  }
  return report.clean && report.data.ok ? 0 : 1;
}

/** `spans.model  (expected …; actual …)`; a TimescaleDB policy reads `retention policy on llm_metrics: missing  (expected …)`. */
function differenceLine(d: Difference): string {
  if (d.kind === 'missing_policy') return `${d.object}: missing  (expected ${d.expected})`;
  if (d.kind === 'extra_policy') return `${d.object}: not in the migrations  (actual ${d.actual})`;
  if (d.kind === 'policy_settings') return `${d.object}: changed  (expected ${d.expected}; actual ${d.actual})`;
  const detail = [d.expected !== null ? `expected ${d.expected}` : null, d.actual !== null ? `actual ${d.actual}` : null].filter(Boolean).join('; ');
  return `${d.object}${detail ? `  (${detail})` : ''}`;
}

function printReport(say: (text: string) => void, warn: (text: string) => void, report: VerifyReport): void {
  say(`target   ${report.target}`);
  say(`expected schema: migrations ${report.expectedVersions.join(', ') || 'none'}`);
  for (const w of report.warnings) warn(`warning: ${w}`);
  for (const d of report.differences) say(`  ${d.severity.padEnd(7)} ${d.kind.padEnd(28)} ${differenceLine(d)}`);
  const windows = report.data.windows;
  if (windows) {
    say(`run ${windows.runId} (${windows.runStatus}): ${windows.checked} window(s) with a source count checked, ${windows.mismatched.length} mismatched, ${windows.unfinished} not succeeded`);
    for (const w of windows.mismatched) say(`  mismatch ${w.start} … ${w.end}: ${w.rows} rows written, ${w.sourceRows} in the source`);
  }
  for (const f of report.data.freshness) {
    const state = f.skipped ? `skipped (${f.skipped})` : f.ok ? `ok, ${Math.round((f.lagMs ?? 0) / 1000)} s behind` : f.lagMs === null ? `STALE: ${f.target} is empty` : `STALE: ${Math.round(f.lagMs / 1000)} s behind ${f.source}`;
    say(`freshness ${f.view} → ${f.target}: ${state}`);
  }
  say(summarizeReport(report));
  if (!report.clean) say('repair: hourglass verify --repair-sql (prints the fix) or --write (saves it as the next migration)');
}
