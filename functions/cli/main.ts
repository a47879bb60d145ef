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
  // Until the line is parsed, --json anywhere before `--` asks for it (a bad line has errors too).
  let json = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : undefined).includes('--json');
  let ctx: CliContext | undefined;
  try {
    const line = parseCommandLine(argv);
    if ('help' in line) {
      io.out(line.help.trimEnd());
      return 0;
    }
    json = line.options.json === true;
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
    return report(error, io, { verbose, json });
  } finally {
    if (ctx) await ctx.close().catch((error: unknown) => io.err(`warning: while closing: ${errorMessage(error)}`));
  }
}

/**
 * One line on stderr: `error: <message>`, or with --json `{"error":"<message>","exitCode":N}`
 * (that shape is the contract: a stack trace with --verbose is for the text form only).
 */
function report(error: unknown, io: CliOutput, { verbose, json }: { verbose: boolean; json: boolean }): number {
  // Redacted before it is quoted: JSON escaping must not hide a password from redact().
  const message = redact(errorMessage(error).split('\n')[0]!);
  const exitCode = error instanceof HourglassError ? error.exitCode : 1;
  if (json) {
    io.err(JSON.stringify({ error: message, exitCode }));
    return exitCode;
  }
  io.err(`error: ${message}`);
  if (verbose && error instanceof Error && error.stack) io.err(redact(error.stack));
  return exitCode;
}
