// windows <runId> and runs: read the bookkeeping.
import { UsageError } from '../../engine/errors.js';
import { WINDOW_STATUSES, type WindowStatus } from '../../engine/state/records.js';
import type { CliContext } from '../context.js';
import { human } from '../progress.js';

export async function windowsCommand(ctx: CliContext): Promise<number> {
  const runId = ctx.args.positionals[0];
  const status = ctx.args.options.status as string | undefined;
  if (status !== undefined && !WINDOW_STATUSES.includes(status as WindowStatus)) throw new UsageError(`invalid --status "${status}": expected ${WINDOW_STATUSES.join(', ')}`);
  if (ctx.stateMissing()) throw new UsageError(`unknown run "${runId}": nothing at ${ctx.stateDir} yet (no runs)`);
  const { runs } = await ctx.openState();
  if (!(await runs.getRun(runId))) throw new UsageError(`unknown run "${runId}"`);
  const windows = await runs.listWindows(runId, status ? { status: status as WindowStatus } : {});
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ runId, windows: windows.map((w) => ({ start: w.start, end: w.end, status: w.status, attempts: w.attempts, rows: w.rows, ...(w.sourceRows !== undefined ? { sourceRows: w.sourceRows } : {}), ...(w.lastError ? { error: w.lastError } : {}) })) }));
    return 0;
  }
  // One write: a long run is thousands of lines.
  const row = (cells: string[]) => `${cells[0]!.padEnd(24)}  ${cells[1]!.padEnd(24)}  ${cells[2]!.padEnd(9)}  ${cells[3]!.padStart(8)}  ${cells[4]!.padStart(10)}  ${cells[5]!.padStart(11)}${cells[6] ? `  ${cells[6]}` : ''}`;
  const lines = [row(['start', 'end', 'status', 'attempts', 'rows', 'source rows', 'error'])];
  for (const w of windows) lines.push(row([w.start, w.end, w.status, String(w.attempts), String(w.rows), w.sourceRows === undefined ? '-' : String(w.sourceRows), w.lastError ?? '']));
  ctx.io.out(lines.join('\n'));
  ctx.io.out(`${windows.length} window(s)`);
  return 0;
}

export async function runsCommand(ctx: CliContext): Promise<number> {
  const missing = ctx.stateMissing();
  const list = missing ? [] : await (await ctx.openState()).runs.listRuns(20);
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ runs: list.map((r) => ({ runId: r.runId, version: r.migrationVersion, status: r.status, windows: r.windowCount, counts: r.counts, rows: r.rowsWritten, createdAt: r.createdAt })) }));
    return 0;
  }
  if (list.length === 0) ctx.io.out(missing ? `no runs yet: nothing at ${ctx.stateDir} yet` : 'no runs yet');
  for (const r of list) ctx.io.out(`${r.runId}  ${r.status.padEnd(9)} v${r.migrationVersion} ${r.migrationName}  ${r.counts.succeeded}/${r.windowCount} ok · ${r.counts.failed} failed · ${human(r.rowsWritten)} rows  ${r.createdAt}${r.valve?.paused ? '  PAUSED' : ''}${r.valve?.concurrency !== undefined ? `  throttled to ${r.valve.concurrency}` : ''}${r.waiting ? `  ${r.waiting.reason} (${r.waiting.load ?? '?'} > ${r.waiting.threshold})` : ''}`);
  return 0;
}
