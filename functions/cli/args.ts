// Command line: hourglass [global options] <command> [args] [options], parsed by commander
// from the one registry (registry.ts). Every option a command does not take is refused
// (exit 2), so a typo never silently changes what runs; commander's errors become the
// same one-line usage errors as every other bad input.
import { Command as Commander, CommanderError, Option } from 'commander';
import { UsageError } from '../engine/errors.js';
import { parseWholeNumber } from '../engine/whole-number.js';
import { COMMANDS, GLOBAL_OPTIONS, OPTIONS, type CommandSpec } from './registry.js';
import { closest } from './suggest.js';

export interface ParsedArgs {
  command: string;
  positionals: string[];
  /** Keyed by the long option name as typed (e.g. "dry-run"), values as given. */
  options: Record<string, string | boolean | undefined>;
}

export type CommandLine = ParsedArgs | { help: string };

const FOOTER = [
  '',
  'URLs: chdb:<dir> | clickhouse://user:pass@host:8123/db | clickhouses://… | pg-embedded:<dir> | postgres://user:pass@host:5432/db',
  'Exit codes: 0 success, 1 the operation failed or found problems, 2 bad usage or input.',
  'Help on one command: hourglass <command> --help',
].join('\n');

/** A command's page names the global options in one line, in the registry's order. */
const GLOBAL_LINE = `Global options, before or after the command (hourglass --help): ${Object.values(GLOBAL_OPTIONS).map((o) => o.flags.split(' ')[0]).join(' ')}`;

function optionFor(name: string, spec: { flags: string; help: string }, group?: string): Option {
  const option = new Option(spec.flags, spec.help);
  if (group) option.helpGroup(group);
  return option;
}

function longName(option: Option): string {
  return option.long!.slice(2);
}

/** The program with every command, or with only `only` (what the command line names). */
function buildProgram(output: { out: string; err: string }, seen: { command?: string; parsed?: ParsedArgs }, only?: string): Commander {
  const program = new Commander('hourglass')
    .description('versioned migrations and hourly backfills for ClickHouse and PostgreSQL')
    .usage('[global options] <command> [args] [options]')
    .enablePositionalOptions()
    .exitOverride()
    .showSuggestionAfterError(false) // ours is on the error line itself (usageMessage)
    .configureOutput({ writeOut: (s) => (output.out += s), writeErr: (s) => (output.err += s), outputError: () => undefined })
    .addHelpText('after', FOOTER)
    .hook('preSubcommand', (_, sub) => {
      seen.command = sub.name();
    });
  program.option('-V, --version', 'print the version');
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) program.addOption(optionFor(name, spec, 'Global options (before or after the command):'));
  for (const [name, spec] of Object.entries(COMMANDS)) if (only === undefined || name === only) addCommand(program, name, spec, seen);
  return program;
}

function addCommand(program: Commander, name: string, spec: CommandSpec, seen: { parsed?: ParsedArgs }): void {
  const cmd = program.command(name).description(spec.summary).allowExcessArguments(true).exitOverride();
  for (const arg of spec.args ?? []) cmd.argument(arg);
  for (const option of spec.options ?? []) cmd.addOption(optionFor(option, { ...OPTIONS[option]!, ...spec.optionText?.[option] }));
  // Taken after the command too, but described once, on the top-level help.
  for (const [option, optionSpec] of Object.entries(GLOBAL_OPTIONS)) cmd.addOption(optionFor(option, optionSpec).hideHelp());
  cmd.addHelpText('after', `\nExample:\n  ${spec.example}\n\n${GLOBAL_LINE}`);
  cmd.action(() => {
    const options: ParsedArgs['options'] = {};
    for (const [from, values] of [[program, program.opts()], [cmd, cmd.opts()]] as const) {
      for (const option of from.options) {
        const value = values[option.attributeName()];
        if (value !== undefined) options[longName(option)] = value as string | boolean;
      }
    }
    delete options.version; // the program's --version never reaches a command (run --version is its own)
    const own = cmd.opts().version;
    if (own !== undefined) options.version = own as string;
    checkArguments(name, spec, cmd.args, options);
    seen.parsed = { command: name, positionals: cmd.args, options };
  });
}

function checkArguments(name: string, spec: CommandSpec, positionals: string[], options: ParsedArgs['options']): void {
  // A variadic last argument ("[versions...]") takes any number.
  const max = spec.args?.some((a) => a.endsWith('...]') || a.endsWith('...>')) ? Number.POSITIVE_INFINITY : spec.args?.length ?? 0;
  if (positionals.length > max) throw new UsageError(`"${name}" takes ${max || 'no'} argument${max === 1 ? '' : 's'}, got: ${positionals.join(' ')}`);
  if (name === 'backfill' && positionals.length === 0 && options.resume === undefined) throw new UsageError(missingArgument(name, positionals.length));
  const required = (spec.args ?? []).filter((a) => a.startsWith('<')).length;
  if (positionals.length < required) throw new UsageError(missingArgument(name, positionals.length));
}

/** `plan needs <version>: …`: the first argument not given, by the name its help shows. */
function missingArgument(name: string, given: number): string {
  const spec = COMMANDS[name]!;
  // backfill's version is optional only because --resume <runId> stands in for it.
  const what = name === 'backfill' ? '<version> or --resume <runId>' : spec.args?.[given] ?? spec.args?.find((a) => a.startsWith('<')) ?? 'an argument';
  return `${name} needs ${what}: ${spec.summary}`;
}

/** Parses argv against the registry: a command to run, or help text to print. */
export function parseCommandLine(argv: string[]): CommandLine {
  const named = namedCommand(argv);
  if (named !== undefined) {
    // Start-up is a feature: a command line that names its command builds that command alone
    // (one Option per flag it takes, not ~200), and commander reads it exactly as it would the
    // full program. Anything unexpected is parsed again against every command.
    try {
      return parseWith(argv, named);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
    }
  }
  return parseWith(argv);
}

/**
 * The command the line names: the first word that is not a global option or a global
 * option's value (global options come before the command: enablePositionalOptions).
 * Undefined when there is none or it is not a command: the full program answers those.
 */
function namedCommand(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') return undefined;
    if (!word.startsWith('-')) return Object.hasOwn(COMMANDS, word) ? word : undefined;
    const global = Object.values(GLOBAL_OPTIONS).find((o) => o.flags.split(' ')[0] === word);
    if (!global) return undefined; // -V, --help, a typo: the full program says what it means
    if (global.flags.includes('<')) i++; // its value
  }
  return undefined;
}

function parseWith(argv: string[], only?: string): CommandLine {
  const output = { out: '', err: '' };
  const seen: { command?: string; parsed?: ParsedArgs } = {};
  const program = buildProgram(output, seen, only);
  const programHelp = () => {
    program.outputHelp();
    return { help: output.out };
  };
  if (argv.length === 0) return programHelp();
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (!seen.command && program.opts().version) return { help: `hourglass ${version()}` };
    if (error.exitCode === 0) return { help: output.out };
    if (error.code === 'commander.help') return programHelp(); // global options and no command
    throw new UsageError(usageMessage(error, seen.command));
  }
  return seen.parsed ?? programHelp();
}

function usageMessage(error: CommanderError, command: string | undefined): string {
  const text = error.message.replace(/^error: /, '').split('\n')[0]!;
  if (error.code === 'commander.unknownCommand') {
    const name = /'([^']*)'/.exec(text)?.[1] ?? '';
    const near = closest(name, [...Object.keys(COMMANDS), 'help']);
    return near ? `unknown command "${name}" (did you mean ${near}?)` : `unknown command "${name}": run "hourglass help" for the list`;
  }
  if (error.code === 'commander.missingArgument' && command) {
    // "missing required argument 'version'": which of the command's arguments that is.
    const arg = /'([^']*)'/.exec(text)?.[1];
    const index = COMMANDS[command]!.args?.findIndex((a) => a.replace(/[<>[\].]/g, '') === arg) ?? -1;
    return missingArgument(command, Math.max(index, 0));
  }
  if (error.code === 'commander.unknownOption') {
    const name = /'--([^'=]*)/.exec(text)?.[1];
    if (name && command && (name in OPTIONS || name in GLOBAL_OPTIONS)) return `option --${name} does not apply to "${command}"`;
    // Only what this command (or, before any command, the program) takes: never one that would then not apply.
    const taken = command ? [...(COMMANDS[command]!.options ?? []), ...Object.keys(GLOBAL_OPTIONS), 'help'] : [...Object.keys(GLOBAL_OPTIONS), 'version', 'help'];
    const near = name ? closest(name, taken) : undefined;
    if (near) return `${text} (did you mean --${near}?)`;
  }
  return text;
}

// Set by scripts/build.mjs from package.json; absent when run from source.
declare const __HOURGLASS_VERSION__: string | undefined;

function version(): string {
  return typeof __HOURGLASS_VERSION__ === 'string' ? __HOURGLASS_VERSION__ : 'dev';
}

/** A non-negative integer flag or argument; anything else is a usage error naming it. */
export function integerArg(value: string | boolean | undefined, what: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (typeof value !== 'string') throw new UsageError(`invalid ${what} "${String(value)}": expected a whole number`);
  return parseWholeNumber(value, what, { min, max });
}

/** Every command with its arguments and options, as commander holds them (shell completion walks it). */
export function commandTree(): Commander {
  return buildProgram({ out: '', err: '' }, {});
}
