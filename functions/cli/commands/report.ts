// report <runId> [--out FILE]: the run as one self-contained HTML page (the same page as
// GET /runs/{id}/report). Reads only the state store: it works while the run is running.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../engine/errors.js';
import { redact } from '../../engine/redact.js';
import { renderRunReport } from '../../engine/report/html.js';
import type { CliContext } from '../context.js';

export async function reportCommand(ctx: CliContext): Promise<number> {
  const runId = ctx.args.positionals[0]!;
  const out = ctx.args.options.out as string | undefined;
  const { runs } = await ctx.openState();
  const run = await runs.getRun(runId);
  if (!run) throw new UsageError(`unknown run "${runId}"`);
  const html = redact(renderRunReport(run, await runs.listWindows(runId), ctx.now()));
  if (out === undefined) {
    process.stdout.write(html);
    return 0;
  }
  const path = resolve(out);
  writeFileSync(path, html);
  if (ctx.json) ctx.io.out(JSON.stringify({ runId, out: path, windows: run.windowCount, bytes: Buffer.byteLength(html) }));
  else ctx.io.err(`wrote ${path}: open it in a browser`);
  return 0;
}
