// The one registry of `hourglass` commands: name, arguments, options, help, example, and
// the module that runs it (loaded only when that command runs, so start-up stays cheap).
// Adding a command is one entry in COMMANDS (plus any new option in OPTIONS).
import type { CliContext } from './context.js';

export type Command = (ctx: CliContext) => Promise<number>;

export interface OptionSpec {
  /** commander flags: "--to <n>" takes a value, "--json" is a switch. */
  flags: string;
  help: string;
}

/** Options taken everywhere, before or after the command. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { flags: '--url <url>', help: 'the target database (default chdb:.hourglass/clickhouse, or $HOURGLASS_URL)' },
  target: { flags: '--target <name>', help: 'a target named in hourglass.config.json' },
  migrations: { flags: '--migrations <dir>', help: 'the migrations folder (default migrations/<engine>)' },
  state: { flags: '--state <dir>', help: 'local state: runs and windows (default .hourglass/state)' },
  json: { flags: '--json', help: 'machine-readable output' },
  verbose: { flags: '--verbose', help: 'more detail; stack traces on errors' },
  'lock-timeout': { flags: '--lock-timeout <ms>', help: 'how long to wait for the migration lock (default 60000)' },
};

/** Options some commands take; a command lists the ones it takes by name. */
export const OPTIONS: Record<string, OptionSpec> = {
  // --to is a time where a range is backfilled; apply and revert give it their own (a version).
  to: { flags: '--to <time>', help: 'end of the range, UTC, exclusive (default: the backfill file\'s to:)' },
  from: { flags: '--from <time>', help: 'start of the range, UTC, e.g. 2024-03-01T00:00:00Z (default: the backfill file\'s from:)' },
  'dry-run': { flags: '--dry-run', help: 'show what would run, change nothing' },
  window: { flags: '--window <size>', help: 'window size, e.g. 30m, 1h, 1d (default: the backfill file\'s window:, else 1h)' },
  concurrency: { flags: '--concurrency <n>', help: 'statements run at once, each one window or a group of adjacent ones (1…64, default 4)' },
  'run-id': { flags: '--run-id <id>', help: 'the new run\'s id (default: generated from the version and the time)' },
  resume: { flags: '--resume <runId>', help: 'continue a run: every window not yet done' },
  lateness: { flags: '--lateness <size>', help: 'how long after the cut-over the last window waits for late rows' },
  'fail-windows': { flags: '--fail-windows <n>', help: 'drill: every Nth window fails its first attempt' },
  status: { flags: '--status <status>', help: 'only windows in this status: pending, running, succeeded, failed' },
  'repair-sql': { flags: '--repair-sql', help: 'print the repair script on stdout' },
  write: { flags: '--write', help: 'save the repair as the next numbered migration (not applied)' },
  version: { flags: '--version <n>', help: 'the migration version' },
  remote: { flags: '--remote', help: 'start an execution of the deployed state machine and follow it' },
  order: { flags: '--order <order>', help: 'oldest-first (default) or newest-first: recent hours first' },
  out: { flags: '--out <file>', help: 'write to this file (default: stdout)' },
  dir: { flags: '--dir <dir>', help: 'where the demo keeps its databases (default .hourglass/demo)' },
  days: { flags: '--days <n>', help: 'days of demo data (default 30)' },
  all: { flags: '--all', help: 'every migration, not only the pending ones (needs no connection)' },
  port: { flags: '--port <n>', help: 'the TCP port on 127.0.0.1 (default: any free port)' },
  deployed: { flags: '--deployed', help: 'run the cdk.out bundles in a Lambda-like host, reaching everything over the network' },
  'function-timeout': { flags: '--function-timeout <duration>', help: 'run windows in passes no longer than this, as Lambda invocations (e.g. 2s)' },
  'statement-target': { flags: '--statement-target <duration>', help: 'how long one backfill statement should take: adjacent windows are grouped up to it (default 3s; 0: one window per statement)' },
  reason: { flags: '--reason <text>', help: 'why: recorded in the tracking table with who' },
  by: { flags: '--by <name>', help: 'who, as recorded (default: the OS user@host)' },
  backfill: { flags: '--backfill', help: 'also write a backfill file' },
  engine: { flags: '--engine <engine>', help: 'clickhouse or postgres (default: the target\'s engine)' },
  windows: { flags: '--windows', help: 'also list every window it would run: start and end (--json: windowList)' },
  sql: { flags: '--sql <window>', help: 'print the statements the window starting at this UTC time would run (e.g. 2024-03-01T05:00:00Z), each with its bound parameters apart' },
  verify: { flags: '--verify <mode>', help: "what Verify's result does to the outcome: require (default), warn, skip" },
};

export interface CommandSpec {
  summary: string;
  /** commander argument syntax: "<runId>" required, "[version]" optional. */
  args?: string[];
  options?: string[];
  /** Where an option means something else for this command: its own flags (same long name) or help. */
  optionText?: Record<string, Partial<OptionSpec>>;
  example: string;
  /** A long listing: paged on a terminal (never with --json or when piped). */
  pages?: boolean;
  load: () => Promise<Command>;
}

export const COMMANDS: Record<string, CommandSpec> = {
  status: {
    summary: 'every migration with its state; database and code version',
    example: 'hourglass --url postgres://app@localhost:5432/app status --json',
    load: async () => (await import('./commands/migrate.js')).statusCommand,
  },
  validate: {
    summary: 'check files and checksums; exit 1 if anything is wrong',
    example: 'hourglass validate',
    load: async () => (await import('./commands/migrate.js')).validateCommand,
  },
  new: {
    summary: 'write the next numbered migration: new <name> [--backfill] [--engine postgres]; prints the paths',
    args: ['<name>'],
    options: ['backfill', 'engine'],
    example: 'hourglass new add_user_email --backfill --engine postgres',
    load: async () => (await import('./commands/new.js')).newCommand,
  },
  lint: {
    summary: 'lint pending migrations [--all] [versions…]; exit 1 on an error-level finding',
    args: ['[versions...]'],
    options: ['all'],
    example: 'hourglass lint --all --json',
    load: async () => (await import('./commands/lint.js')).lintCommand,
  },
  apply: {
    summary: 'apply pending migrations in order [--to N] [--dry-run]',
    options: ['to', 'dry-run'],
    optionText: { to: { flags: '--to <version>', help: 'apply up to and including this migration version (default: every pending one)' } },
    example: 'hourglass apply --to 3 --dry-run',
    load: async () => (await import('./commands/migrate.js')).applyCommand,
  },
  revert: {
    summary: 'run down migrations down to (not including) --to N; default the last one',
    options: ['to'],
    optionText: { to: { flags: '--to <version>', help: 'revert every applied migration after this version, keeping it (0: all; default: only the last)' } },
    example: 'hourglass revert --to 2',
    load: async () => (await import('./commands/migrate.js')).revertCommand,
  },
  baseline: {
    summary: 'start tracking an existing database: mark migrations up to <version> applied without running them',
    args: ['<version>'],
    options: ['reason', 'by'],
    example: 'hourglass --url postgres://app@localhost:5432/app baseline 3',
    load: async () => (await import('./commands/tracking.js')).baselineCommand,
  },
  repair: {
    summary: 'accept an intended edit of an applied migration: record its file\'s checksum, with who and --reason',
    args: ['<version>'],
    options: ['reason', 'by'],
    example: 'hourglass repair 2 --reason "comment typo fixed, no schema change"',
    load: async () => (await import('./commands/tracking.js')).repairCommand,
  },
  plan: {
    summary: 'show what a backfill would run, writing nothing (--windows lists the windows, --sql <start> one window\'s statements)',
    args: ['<version>'],
    options: ['from', 'to', 'window', 'run-id', 'windows', 'sql'],
    optionText: { 'run-id': { help: 'ignored: plan writes no run' } },
    example: 'hourglass plan 3 --from 2024-03-01T00:00:00Z --to 2024-03-02T00:00:00Z --windows\n  hourglass plan 3 --sql 2024-03-01T05:00:00Z',
    load: async () => (await import('./commands/plan.js')).planCommand,
  },
  backfill: {
    summary: 'backfill a migration hour by hour: backfill <version> | backfill --resume <runId>',
    args: ['[version]'],
    options: ['from', 'to', 'window', 'concurrency', 'run-id', 'resume', 'lateness', 'fail-windows', 'order', 'function-timeout', 'statement-target'],
    example: 'hourglass backfill 3 --from 2024-03-01T00:00:00Z --concurrency 4\n  hourglass backfill --resume <runId>',
    load: async () => (await import('./commands/backfill.js')).backfillCommand,
  },
  retry: {
    summary: 're-run only the failed windows of a run: retry <runId>',
    args: ['<runId>'],
    options: ['concurrency', 'lateness', 'function-timeout', 'statement-target'],
    optionText: { concurrency: { help: 'statements run at once, each one window or a group of adjacent ones (1…64, default: the run\'s)' } },
    example: 'hourglass retry 3-20240301-ab12cd',
    load: async () => (await import('./commands/backfill.js')).retryCommand,
  },
  windows: {
    summary: 'list the windows of a run: windows <runId> [--status failed]',
    args: ['<runId>'],
    options: ['status'],
    example: 'hourglass windows 3-20240301-ab12cd --status failed',
    pages: true,
    load: async () => (await import('./commands/windows.js')).windowsCommand,
  },
  runs: {
    summary: 'recent backfill runs with their counts',
    example: 'hourglass runs --json',
    pages: true,
    load: async () => (await import('./commands/windows.js')).runsCommand,
  },
  pause: {
    summary: 'pause a run: its workers finish their current window and claim no more',
    args: ['<runId>'],
    example: 'hourglass pause 3-20240301-ab12cd',
    load: async () => (await import('./commands/valve.js')).pauseCommand,
  },
  unpause: {
    summary: 'let a paused run claim windows again',
    args: ['<runId>'],
    example: 'hourglass unpause 3-20240301-ab12cd',
    load: async () => (await import('./commands/valve.js')).unpauseCommand,
  },
  throttle: {
    summary: 'change how many statements of a run run at once (each one window or a group of adjacent ones), mid-run',
    args: ['<runId>'],
    options: ['concurrency'],
    optionText: { concurrency: { help: 'the run\'s new limit: how many of its statements run at once (1…64)' } },
    example: 'hourglass throttle 3-20240301-ab12cd --concurrency 2',
    load: async () => (await import('./commands/valve.js')).throttleCommand,
  },
  cancel: {
    summary: 'end a run cleanly: no more windows claimed, the rest left pending, run marked cancelled, its lease released',
    args: ['<runId>'],
    example: 'hourglass cancel 3-20240301-ab12cd',
    load: async () => (await import('./commands/valve.js')).cancelCommand,
  },
  report: {
    summary: 'the run as one self-contained HTML page: window grid, counts, errors',
    args: ['<runId>'],
    options: ['out'],
    example: 'hourglass report 3-20240301-ab12cd --out run.html',
    load: async () => (await import('./commands/report.js')).reportCommand,
  },
  verify: {
    summary: 'compare the live schema with what the migrations produce',
    options: ['repair-sql', 'write', 'run-id'],
    optionText: { 'run-id': { help: 'also check this backfill run: each window\'s rows written against its source count' } },
    example: 'hourglass verify --repair-sql > repair.sql',
    load: async () => (await import('./commands/verify.js')).verifyCommand,
  },
  run: {
    summary: 'run the state machine locally: run <apply|backfill|retry|resume|verify|revert> [--deployed: the cdk.out bundles in a Lambda-like host]',
    args: ['<action>'],
    options: ['from', 'to', 'window', 'concurrency', 'run-id', 'version', 'remote', 'deployed', 'order', 'verify', 'function-timeout', 'statement-target', 'lateness'],
    optionText: {
      to: { help: 'backfill: end of the range, UTC, exclusive (default: the backfill file\'s to:)' },
      from: { help: 'backfill: start of the range, UTC (default: the backfill file\'s from:)' },
      version: { help: 'backfill: the migration whose backfill runs (required)' },
      'run-id': { help: 'retry, resume: the run to continue (required); backfill: the new run\'s id (default: generated)' },
    },
    example: 'hourglass run backfill --version 3 --concurrency 8\n  hourglass run backfill --version 3 --deployed\n  hourglass run resume --run-id <runId>',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
  serve: {
    summary: 'a ClickHouse HTTP endpoint over a chdb: database; prints its clickhouse:// URL [--port N]',
    options: ['port'],
    example: 'hourglass --url chdb:.hourglass/clickhouse serve --port 8123',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  completion: {
    summary: 'print a shell completion script: completion bash|zsh (e.g. source <(hourglass completion bash))',
    args: ['<shell>'],
    example: 'hourglass completion bash > ~/.local/share/bash-completion/completions/hourglass',
    load: async () => (await import('./commands/completion.js')).completionCommand,
  },
  demo: {
    summary: 'the full demo on embedded engines (npm start)',
    options: ['dir', 'days'],
    example: 'hourglass demo --days 7',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
};
