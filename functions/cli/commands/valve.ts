// pause <runId>, unpause <runId>, throttle <runId> --concurrency N, cancel <runId>: the load
// valve from a second terminal while the run goes on (state only: no database is opened).
import { hostname, userInfo } from 'node:os';
import { changeValve, describeValve, type ValveChange } from '../../engine/backfill/valve-control.js';
import { finishRun } from '../../engine/backfill/finish.js';
import { RunLeases } from '../../engine/state/run-lease.js';
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
  if (concurrency === undefined) throw new UsageError('throttle needs --concurrency <n>: how many of the run\'s statements may run at once from now on (1…64)');
  return change(ctx, { concurrency });
}

/**
 * cancel <runId>: the run claims no more windows and ends `cancelled`, its windows not done left
 * pending. A process running it finishes the windows it holds, then ends and gives the run lease
 * back itself. With nobody else on the local state, whatever still looks running was left by a
 * killed process: its windows go back to pending and its run lease is released here.
 */
export async function cancelCommand(ctx: CliContext): Promise<number> {
  const runId = ctx.args.positionals[0]!;
  const { runs, exclusive } = await ctx.openState();
  const run = await runs.getRun(runId);
  if (!run) throw new UsageError(`unknown run "${runId}"`);
  if (run.status === 'cancelled') throw new UsageError(`run ${runId} is already cancelled: continue it with hourglass backfill --resume ${runId}`);
  if (run.status !== 'planned' && run.status !== 'running' && run.counts.pending + run.counts.running === 0) throw new UsageError(`run ${runId} has ended (${run.status}): nothing to cancel`);
  await changeValve(runs, runId, { cancelled: true }, caller(), ctx.now());
  const leases = new RunLeases(runs.doc, runs.tableName);
  const subject = { targetName: run.targetName ?? 'local', version: run.migrationVersion, runId };
  let leaseReleased = false;
  if (exclusive) {
    for (const w of await runs.listWindows(runId, { status: 'running' })) if (w.leaseOwner) await runs.releaseWindow(runId, w.start, w.leaseOwner);
    leaseReleased = await leases.release(subject);
  } else {
    // Shared state: only the windows of processes gone from this host; a live one ends the run itself.
    await (await import('../../engine/service/repair-plan.js')).reclaimDeadHolders(runs, runId);
  }
  const holder = await leases.holder(subject.targetName, subject.version);
  const final = await finishRun(runs, runId);
  const pending = final.counts.pending;
  const running = final.counts.running;
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ runId, status: final.status, windows: { total: final.windowCount, succeeded: final.counts.succeeded, failed: final.counts.failed, pending, running }, leaseReleased, leaseHeld: holder?.runId === runId }));
    return 0;
  }
  ctx.io.out(`run ${runId} cancelled: ${final.counts.succeeded}/${final.windowCount} windows succeeded, ${pending} left pending${running ? `, ${running} running finish first` : ''}`);
  if (holder?.runId === runId) ctx.io.out(`the process running it stops claiming and gives the run lease back when its current windows end (at the latest the lease expires ${new Date(holder.leaseExpiresAt).toISOString()})`);
  ctx.io.out(`continue it later with: hourglass backfill --resume ${runId}`);
  return 0;
}
