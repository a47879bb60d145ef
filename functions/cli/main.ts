// Entry point of the `hourglass` CLI: parse, run one command, map errors to exit codes
// (0 success, 1 failed or found problems, 2 bad usage or input), always close what was opened.
import { HourglassError, errorMessage } from '../engine/errors.js';
import { redact } from '../engine/redact.js';
import { helpText, parseCommandLine } from './args.js';
import { CliContext, type CliOutput } from './context.js';

type Command = (ctx: CliContext) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  status: async () => (await import('./commands/migrate.js')).statusCommand,
  validate: async () => (await import('./commands/migrate.js')).validateCommand,
  lint: async () => (await import('./commands/lint.js')).lintCommand,
  apply: async () => (await import('./commands/migrate.js')).applyCommand,
  revert: async () => (await import('./commands/migrate.js')).revertCommand,
  plan: async () => (await import('./commands/backfill.js')).planCommand,
  backfill: async () => (await import('./commands/backfill.js')).backfillCommand,
  retry: async () => (await import('./commands/backfill.js')).retryCommand,
  windows: async () => (await import('./commands/windows.js')).windowsCommand,
  runs: async () => (await import('./commands/windows.js')).runsCommand,
  verify: async () => (await import('./commands/verify.js')).verifyCommand,
  run: async () => (await import('./commands/run.js')).runCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
};

const stdio: CliOutput = {
  out: (text) => process.stdout.write(`${redact(text)}\n`),
  err: (text) => process.stderr.write(`${redact(text)}\n`),
};

export async function main(argv: string[], io: CliOutput = stdio): Promise<number> {
  const verbose = argv.includes('--verbose');
  let ctx: CliContext | undefined;
  try {
    const args = parseCommandLine(argv);
    if (args.command === 'help' || args.options.help) {
      io.out(helpText());
      return 0;
    }
    const load = COMMANDS[args.command];
    if (!load) {
      io.err(`error: "${args.command}" is not available in this build yet`);
      return 2;
    }
    ctx = new CliContext(args, io);
    return await (await load())(ctx);
  } catch (error) {
    return report(error, io, verbose);
  } finally {
    if (ctx) await ctx.close().catch((error: unknown) => io.err(`warning: while closing: ${errorMessage(error)}`));
  }
}

function report(error: unknown, io: CliOutput, verbose: boolean): number {
  const message = errorMessage(error).split('\n')[0];
  io.err(`error: ${message}`);
  if (verbose && error instanceof Error && error.stack) io.err(redact(error.stack));
  return error instanceof HourglassError ? error.exitCode : 1;
}
