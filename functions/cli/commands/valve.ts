// pause <runId>, unpause <runId>, throttle <runId> --concurrency N: the load valve from a
// second terminal while the run goes on (state only: no database is opened).
import { hostname, userInfo } from 'node:os';
import { changeValve, describeValve, type ValveChange } from '../../engine/backfill/valve-control.js';
import { integerArg } from '../args.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../../engine/errors.js';
import { MAX_CONCURRENCY } from '../../engine/service/input.js';

/** user@host of this process: who changed a valve, baselined or repaired. */
export function caller(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep $USER
  }
  return `${user}@${hostname()}`;
}

async function change(ctx: CliContext, what: ValveChange): Promise<number> {
  const runId = ctx.args.positionals[0]!;
  const { runs } = await ctx.openState();
  const run = await changeValve(runs, runId, what, caller(), ctx.now());
  if (ctx.json) ctx.io.out(JSON.stringify({ runId, status: run.status, valve: run.valve }));
  else ctx.io.out(`run ${runId}: ${describeValve(run.valve)}`);
  return 0;
}

export const pauseCommand = (ctx: CliContext) => change(ctx, { paused: true });
export const unpauseCommand = (ctx: CliContext) => change(ctx, { paused: false });
export async function throttleCommand(ctx: CliContext): Promise<number> {
  const concurrency = integerArg(ctx.args.options.concurrency, '--concurrency', { min: 1, max: MAX_CONCURRENCY });
  if (concurrency === undefined) throw new UsageError('throttle needs --concurrency N');
  return change(ctx, { concurrency });
}
