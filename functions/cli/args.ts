// Command line: hourglass [global options] <command> [args]. Every option a command does
// not take is refused (exit 2), so a typo never silently changes what runs.
import { parseArgs } from 'node:util';
import { UsageError } from '../engine/errors.js';

const GLOBAL = ['url', 'target', 'migrations', 'state', 'json', 'verbose', 'help', 'lock-timeout'] as const;

export const COMMANDS: Record<string, { options: string[]; positionals: number; summary: string }> = {
  status: { options: [], positionals: 0, summary: 'every migration with its state; database and code version' },
  validate: { options: [], positionals: 0, summary: 'check files and checksums; exit 1 if anything is wrong' },
  apply: { options: ['to', 'dry-run'], positionals: 0, summary: 'apply pending migrations in order [--to N] [--dry-run]' },
  revert: { options: ['to'], positionals: 0, summary: 'run down migrations down to (not including) --to N; default the last one' },
  plan: { options: ['from', 'to', 'window', 'run-id'], positionals: 1, summary: 'show the windows a backfill would run, with warnings' },
  backfill: { options: ['from', 'to', 'window', 'concurrency', 'run-id', 'resume', 'lateness', 'fail-windows', 'function-timeout'], positionals: 1, summary: 'backfill a migration hour by hour: backfill <version> | backfill --resume <runId>' },
  retry: { options: ['concurrency'], positionals: 1, summary: 're-run only the failed windows of a run: retry <runId>' },
  windows: { options: ['status'], positionals: 1, summary: 'list the windows of a run: windows <runId> [--status failed]' },
  runs: { options: [], positionals: 0, summary: 'recent backfill runs with their counts' },
  verify: { options: ['repair-sql', 'write', 'run-id'], positionals: 0, summary: 'compare the live schema with what the migrations produce' },
  run: { options: ['from', 'to', 'window', 'concurrency', 'run-id', 'version', 'remote', 'function-timeout'], positionals: 1, summary: 'run the state machine locally: run <apply|backfill|retry|verify|revert>' },
  demo: { options: ['dir', 'days'], positionals: 0, summary: 'the full demo on embedded engines (npm start)' },
  help: { options: [], positionals: 0, summary: 'this help' },
};

const BOOLEAN = new Set(['json', 'verbose', 'help', 'dry-run', 'repair-sql', 'write', 'remote']);

export interface ParsedArgs {
  command: string;
  positionals: string[];
  options: Record<string, string | boolean | undefined>;
}

export function parseCommandLine(argv: string[]): ParsedArgs {
  const all = new Set<string>([...GLOBAL, ...Object.values(COMMANDS).flatMap((c) => c.options)]);
  const spec = Object.fromEntries([...all].map((name) => [name, { type: BOOLEAN.has(name) ? 'boolean' : 'string' } as const]));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: spec, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0].replace(/\. To specify.*$/, ''));
  }
  const [command = 'help', ...positionals] = parsed.positionals;
  const def = COMMANDS[command];
  if (!def) throw new UsageError(`unknown command "${command}": run "hourglass help" for the list`);
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === undefined) continue;
    if (!(GLOBAL as readonly string[]).includes(name) && !def.options.includes(name)) throw new UsageError(`option --${name} does not apply to "${command}"`);
  }
  const optional = command === 'backfill' && parsed.values.resume !== undefined ? 0 : def.positionals;
  if (positionals.length > def.positionals) throw new UsageError(`"${command}" takes ${def.positionals || 'no'} argument${def.positionals === 1 ? '' : 's'}, got: ${positionals.join(' ')}`);
  if (positionals.length < optional) throw new UsageError(`"${command}" needs an argument: ${def.summary}`);
  return { command, positionals, options: parsed.values as ParsedArgs['options'] };
}

/** A non-negative integer flag or argument; anything else is a usage error naming it. */
export function integerArg(value: string | boolean | undefined, what: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value.trim())) throw new UsageError(`invalid ${what} "${String(value)}": expected a whole number`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`invalid ${what} ${value}: expected ${min}…${max}`);
  return n;
}

export function helpText(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`);
  return [
    'hourglass — versioned migrations and hourly backfills for ClickHouse and PostgreSQL',
    '',
    'usage: hourglass [--url URL | --target NAME] [--migrations DIR] [--state DIR] [--json] [--verbose] <command> [args]',
    '',
    'commands:',
    ...lines,
    '',
    'URLs: chdb:<dir> | clickhouse://user:pass@host:8123/db | clickhouses://… | pg-embedded:<dir> | postgres://user:pass@host:5432/db',
    'Default: --url chdb:.hourglass/clickhouse --migrations migrations/clickhouse --state .hourglass/state',
    'Exit codes: 0 success, 1 the operation failed or found problems, 2 bad usage or input.',
  ].join('\n');
}
