// run <action>: one execution of the state machine. Locally (default) it runs the
// synthesized definition in-process against the embedded engines; with --remote it starts
// an execution of the deployed stack and follows it. With --deployed, the Tasks run the
// cdk.out bundles in a Lambda-like host (functions/local/deployed/).
import { randomBytes } from 'node:crypto';
import { UsageError } from '../../engine/errors.js';
import { parseRunInput } from '../../engine/service/input.js';
import type { FinalizeOutput, RunInput } from '../../engine/service/types.js';
import { integerArg } from '../args.js';
import { optionsFromFlags, parseRunOptions } from '../../engine/backfill/run-options.js';
import type { CliContext } from '../context.js';
import { human } from '../progress.js';
import type { StateHandle } from '../state.js';
import { localEnvironment } from '../../local/environment.js';
import { runDefinitionLocally } from '../../local/runner.js';
import type { StepEnvironment } from '../../engine/service/types.js';

interface Binding {
  definition: object;
  env: StepEnvironment;
  taskHandlers?: Record<string, (event: unknown) => Promise<unknown>>;
  close(): Promise<void>;
}

/** Tasks bound to the source handlers' invoke, in this process, on the embedded engines. */
async function sourceBinding(ctx: CliContext, state: StateHandle, targetName: string): Promise<Binding> {
  const { localDefinition } = await import('../../local/definition.js');
  const env = localEnvironment(state, { [targetName]: { url: ctx.targetUrlText, migrationsDir: ctx.migrationsDir } }, () => ctx.now());
  return { definition: await localDefinition(), env, close: async () => undefined };
}

/** --deployed: Tasks bound to the cdk.out bundles in the Lambda-like host, reaching everything over the network. */
async function deployedBinding(ctx: CliContext, state: StateHandle, targetName: string): Promise<Binding> {
  const { startDeployedStack } = await import('../../local/deployed/deployed-stack.js');
  const stack = await startDeployedStack({
    targetName,
    target: ctx.target,
    targetUrlText: ctx.targetUrlText,
    migrationsDir: ctx.migrationsDir,
    state,
    ...(process.env.HOURGLASS_NOW ? { now: ctx.now().toISOString() } : {}),
    log: (line) => (ctx.json ? undefined : ctx.io.err(line)),
    // The functions' own log lines (JSON, as CloudWatch gets them) with --verbose.
    onLog: (fn, line) => (ctx.verbose ? ctx.io.err(`[${fn}] ${line}`) : undefined),
  });
  // The definition from the same template as the bundles; the engine state lives in the functions.
  return { definition: stack.host.definition, env: localEnvironment(state, {}), taskHandlers: stack.host.taskHandlers, close: () => stack.close() };
}

/** The option each action cannot go without, named as typed (the run input's "version" is --version here). */
const REQUIRED: Record<string, { flag: string; what: string }> = {
  backfill: { flag: 'version', what: 'the migration whose backfill runs, e.g. --version 3' },
  retry: { flag: 'run-id', what: 'the run whose failed windows re-run' },
  resume: { flag: 'run-id', what: 'the run to continue' },
};

export function runInputFromArgs(ctx: CliContext, targetName: string): RunInput {
  const o = ctx.args.options;
  const required = Object.hasOwn(REQUIRED, String(ctx.args.positionals[0])) ? REQUIRED[ctx.args.positionals[0]!]! : undefined;
  if (required && o[required.flag] === undefined) throw new UsageError(`--${required.flag} is required for run ${ctx.args.positionals[0]}: ${required.what}`);
  const raw: Record<string, unknown> = { action: ctx.args.positionals[0], target: targetName };
  const version = integerArg(o.version, '--version');
  if (version !== undefined) raw.version = version;
  for (const key of ['from', 'to', 'window'] as const) if (o[key] !== undefined) raw[key] = o[key];
  const concurrency = integerArg(o.concurrency, '--concurrency', { min: -1e9 });
  if (concurrency !== undefined) raw.concurrency = concurrency;
  if (o['run-id'] !== undefined) raw.runId = o['run-id'];
  if (o.order !== undefined) raw.order = o.order;
  if (o.verify !== undefined) raw.verify = o.verify;
  if (o['statement-target'] !== undefined) raw.statementTarget = String(o['statement-target']);
  if (o.lateness !== undefined) raw.lateness = String(o.lateness);
  return parseRunInput(raw);
}

export async function runCommand(ctx: CliContext): Promise<number> {
  const targetName = (ctx.args.options.target as string | undefined) ?? 'local';
  const input = runInputFromArgs(ctx, targetName);
  if (ctx.args.options.remote && ctx.args.options.deployed) throw new UsageError('--remote and --deployed exclude each other: the deployed stack in AWS, or its bundles here');
  // --function-timeout is the one pass option that is not part of the run input (run-options.ts).
  const { functionTimeoutMs } = parseRunOptions(optionsFromFlags({ 'function-timeout': ctx.args.options['function-timeout'] }), 'cli');
  if (ctx.args.options.remote && functionTimeoutMs !== undefined) throw new UsageError('--function-timeout applies to a local run only (the deployed stack has its own timeouts)');
  if (ctx.args.options.deployed && functionTimeoutMs !== undefined) throw new UsageError('--function-timeout scales the source handlers\' timeouts; with --deployed the bundles keep the template\'s');
  if (ctx.args.options.remote) return (await import('./run-remote.js')).runRemote(ctx, input);
  // Refused before anything opens: the bundles carry only the repository's migrations/<folder>.
  if (ctx.args.options.deployed) (await import('../../local/deployed/deployed-stack.js')).bundledMigrationsFolder(ctx.migrationsDir);
  const state = await ctx.openState();
  // A retry or resume of a run that does not exist is bad input: refused before anything runs.
  if ((input.action === 'retry' || input.action === 'resume') && !(await state.runs.getRun(input.runId!))) throw new UsageError(`unknown run "${input.runId}"`);
  const bound = ctx.args.options.deployed ? await deployedBinding(ctx, state, targetName) : await sourceBinding(ctx, state, targetName);
  const executionName = input.runId ?? `${input.action}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
  const say = (t: string) => (ctx.json ? undefined : ctx.io.err(t));
  say(`execution ${executionName}: ${JSON.stringify(input)}`);
  const follow = followProgress(ctx, state.runs, input.action === 'retry' || input.action === 'resume' ? input.runId! : executionName);
  const result = await runDefinitionLocally(bound.definition, input, bound.env, {
    executionName,
    ...(bound.taskHandlers ? { taskHandlers: bound.taskHandlers } : {}),
    ...(functionTimeoutMs !== undefined ? { functionTimeoutMs } : {}),
    onStateEntered: (name) => name !== 'RunWindowBatch' && say(`→ ${name}`),
  }).finally(async () => {
    follow.stop();
    await bound.close();
  });
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
