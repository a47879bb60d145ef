// Entry point of the `hourglass` CLI: parse, run one command, map errors to exit codes
// (0 success, 1 failed or found problems, 2 bad usage or input), always close what was opened.
import { HourglassError, errorMessage } from '../engine/errors.js';
import { redact } from '../engine/redact.js';
import { parseCommandLine } from './args.js';
import { CliContext, type CliOutput } from './context.js';
import { COMMANDS } from './registry.js';

const stdio: CliOutput = {
  out: (text) => process.stdout.write(`${redact(text)}\n`),
  err: (text) => process.stderr.write(`${redact(text)}\n`),
};

// `hourglass windows <run> | head`: the reader went away, which is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

export async function main(argv: string[], io: CliOutput = stdio): Promise<number> {
  const verbose = argv.includes('--verbose');
  let ctx: CliContext | undefined;
  try {
    const line = parseCommandLine(argv);
    if ('help' in line) {
      io.out(line.help.trimEnd());
      return 0;
    }
    const spec = COMMANDS[line.command]!;
    const run = await spec.load();
    const pager = spec.pages && io === stdio && line.options.json !== true ? (await import('./pager.js')).openPager(io) : null;
    ctx = new CliContext(line, pager ? { out: (text) => pager.out(redact(text)), err: io.err } : io);
    try {
      return await run(ctx);
    } finally {
      await pager?.close();
    }
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
