// report <runId> [--out FILE]: the run as one self-contained HTML page (the same page as
// GET /runs/{id}/report). Reads only the state store: it works while the run is running.
import { statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../engine/errors.js';
import { redact } from '../../engine/redact.js';
import { renderRunReport } from '../../engine/report/html.js';
import type { CliContext } from '../context.js';

export async function reportCommand(ctx: CliContext): Promise<number> {
  const runId = ctx.args.positionals[0]!;
  const out = ctx.args.options.out as string | undefined;
  if (out !== undefined) checkOutDir(resolve(out));
  const { runs } = await ctx.openState();
  const run = await runs.getRun(runId);
  if (!run) throw new UsageError(`unknown run "${runId}"`);
  const html = redact(renderRunReport(run, await runs.listWindows(runId), ctx.now()));
  if (out === undefined) {
    process.stdout.write(html);
    return 0;
  }
  const path = resolve(out);
  try {
    writeFileSync(path, html);
  } catch (error) {
    throw new UsageError(`--out ${path}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (ctx.json) ctx.io.out(JSON.stringify({ runId, out: path, windows: run.windowCount, bytes: Buffer.byteLength(html) }));
  else ctx.io.err(`wrote ${path}: open it in a browser`);
  return 0;
}

/** Bad --out is bad input: checked before anything is read, one line, exit 2. */
function checkOutDir(path: string): void {
  const dir = dirname(path);
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`--out ${path}: directory ${dir} does not exist`);
  if (!stat.isDirectory()) throw new UsageError(`--out ${path}: ${dir} is not a directory`);
}
