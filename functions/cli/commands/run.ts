// run <action>: one execution of the state machine. Locally (default) it runs the
// synthesized definition in-process against the embedded engines; with --remote it starts
// an execution of the deployed stack and follows it.
import { randomBytes } from 'node:crypto';
import { parseRunInput } from '../../engine/service/input.js';
import type { FinalizeOutput, RunInput } from '../../engine/service/types.js';
import { integerArg } from '../args.js';
import { parseDuration } from '../../engine/backfill/duration.js';
import { UsageError } from '../../engine/errors.js';
import type { CliContext } from '../context.js';
import { human } from '../progress.js';

export function runInputFromArgs(ctx: CliContext, targetName: string): RunInput {
  const o = ctx.args.options;
  const raw: Record<string, unknown> = { action: ctx.args.positionals[0], target: targetName };
  const version = integerArg(o.version, '--version');
  if (version !== undefined) raw.version = version;
  for (const key of ['from', 'to', 'window'] as const) if (o[key] !== undefined) raw[key] = o[key];
  const concurrency = integerArg(o.concurrency, '--concurrency', { min: -1e9 });
  if (concurrency !== undefined) raw.concurrency = concurrency;
  if (o['run-id'] !== undefined) raw.runId = o['run-id'];
  return parseRunInput(raw);
}

export async function runCommand(ctx: CliContext): Promise<number> {
  const targetName = (ctx.args.options.target as string | undefined) ?? 'local';
  const input = runInputFromArgs(ctx, targetName);
  const functionTimeout = ctx.args.options['function-timeout'];
  const functionTimeoutMs = functionTimeout === undefined ? undefined : parseDuration(String(functionTimeout), '--function-timeout');
  if (ctx.args.options.remote && functionTimeoutMs !== undefined) throw new UsageError('--function-timeout applies to a local run only (the deployed stack has its own timeouts)');
  if (ctx.args.options.remote) return (await import('./run-remote.js')).runRemote(ctx, input);
  const { localDefinition } = await import('../../local/definition.js');
  const { runDefinitionLocally } = await import('../../local/runner.js');
  const { localEnvironment } = await import('../../local/environment.js');
  const definition = await localDefinition();
  const state = await ctx.openState();
  const env = localEnvironment(state, { [targetName]: { url: ctx.targetUrlText, migrationsDir: ctx.migrationsDir } }, () => ctx.now());
  const executionName = input.runId ?? `${input.action}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
  const say = (t: string) => (ctx.json ? undefined : ctx.io.err(t));
  say(`execution ${executionName}: ${JSON.stringify(input)}`);
  const follow = followProgress(ctx, state.runs, input.action === 'retry' ? input.runId! : executionName);
  const result = await runDefinitionLocally(definition, input, env, {
    executionName,
    ...(functionTimeoutMs !== undefined ? { functionTimeoutMs } : {}),
    onStateEntered: (name) => name !== 'RunWindowBatch' && say(`→ ${name}`),
  }).finally(() => follow.stop());
  const finalize = ((result.output ?? result.lastStateInput) as { finalize?: FinalizeOutput } | null)?.finalize;
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ executionName, status: result.status, ...(result.error ? { error: result.error } : {}), ...(finalize ? { run: finalize } : {}), statesEntered: [...new Set(result.statesEntered)] }));
  } else {
    if (finalize?.windows) ctx.io.out(`run ${finalize.runId} ${finalize.status}: ${finalize.windows.succeeded}/${finalize.windows.total} windows succeeded, ${finalize.windows.failed} failed · ${human(finalize.rows ?? 0)} rows`);
    ctx.io.out(result.status === 'SUCCEEDED' ? `execution ${executionName} succeeded` : `execution ${executionName} failed: ${result.error?.name}: ${finalize?.error ?? result.error?.cause}`);
  }
  return result.status === 'SUCCEEDED' ? 0 : 1;
}

/** Prints windows done/failed from the run record while the Map runs (the same view --remote gets). */
function followProgress(ctx: CliContext, runs: { getRun(id: string): Promise<{ windowCount: number; counts: { succeeded: number; failed: number } } | null> }, runId: string) {
  if (ctx.json) return { stop() {} };
  let last = '';
  const timer = setInterval(() => {
    runs.getRun(runId).then((run) => {
      if (!run || run.windowCount === 0) return;
      const line = `  windows ${run.counts.succeeded + run.counts.failed}/${run.windowCount} · ${run.counts.failed} failed`;
      if (line !== last) ctx.io.err((last = line));
    }, () => undefined);
  }, 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
