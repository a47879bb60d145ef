// run --remote: starts an execution of the deployed state machine and follows it until it
// ends, reading progress from the run record in the stack's table.
import { UsageError } from '../../engine/errors.js';
import type { RunInput } from '../../engine/service/types.js';
import type { CliContext } from '../context.js';

export async function runRemote(ctx: CliContext, input: RunInput): Promise<number> {
  const stateMachineArn = process.env.HOURGLASS_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new UsageError('--remote needs HOURGLASS_STATE_MACHINE_ARN (the stack output StateMachineArn) and HOURGLASS_TABLE_NAME (output TableName)');
  if (!process.env.HOURGLASS_TABLE_NAME) throw new UsageError('--remote needs HOURGLASS_TABLE_NAME (the stack output TableName) to follow progress');
  const { SFNClient, StartExecutionCommand, DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
  const sfn = new SFNClient({});
  const repairs = input.action === 'retry' || input.action === 'resume';
  // A retry or resume names the run it repairs; the execution is named for the windows it would run (idempotent, as through the API).
  const name = repairs ? await repairName(ctx, input.action as 'retry' | 'resume', input.runId!) : input.runId;
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), ...(name ? { name } : {}) }));
  const executionArn = started.executionArn!;
  ctx.io.err(`started ${executionArn}`);
  const { runs } = await ctx.openState();
  const runId = repairs ? input.runId! : executionArn.split(':').pop()!;
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const run = await runs.getRun(runId).catch(() => null);
    if (run && !ctx.json) ctx.io.err(`  ${described.status} · windows ${run.counts.succeeded + run.counts.failed}/${run.windowCount} · ${run.counts.failed} failed`);
    if (described.status !== 'RUNNING') {
      if (ctx.json) ctx.io.out(JSON.stringify({ executionArn, status: described.status, ...(run ? { run: { runId: run.runId, status: run.status, counts: run.counts, rows: run.rowsWritten } } : {}) }));
      else ctx.io.out(`execution ${String(described.status).toLowerCase()}${described.error ? `: ${described.error}` : ''}`);
      return described.status === 'SUCCEEDED' ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}

async function repairName(ctx: CliContext, action: 'retry' | 'resume', runId: string): Promise<string> {
  const { repairExecutionName, resumableWindows } = await import('../../engine/service/continue-plan.js');
  const { runs } = await ctx.openState();
  const now = ctx.now().getTime();
  const windows = action === 'retry' ? await runs.failedOrStuckWindows(runId, now) : resumableWindows(await runs.listWindows(runId), now);
  return repairExecutionName(action, runId, windows);
}
