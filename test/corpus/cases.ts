// The bad-input corpus: every case must end in one clear line, exit 2, and no change.
// `mig` names a migrations folder built in the test (see folders in bad-input.test.ts).
import { COMMANDS } from '../../functions/cli/registry.js';

export const PASSWORD = 'Sup3rS3cretPw';

export interface CliCase {
  name: string;
  args: string[];
  /** A migrations folder other than the good one. */
  mig?: string;
  /** Replaces the default --url. */
  url?: string;
  /** A fragment the one-line message must contain. */
  says: RegExp;
  /** With --json: the line is {"error":"<message>","exitCode":2} and `says` matches the message. */
  json?: boolean;
}

const pw = PASSWORD;

export const CLI_CASES: CliCase[] = [
  // connection URLs
  { name: 'URL without scheme', url: 'not-a-url', args: ['status'], says: /no scheme/ },
  { name: 'unknown scheme', url: `mysql://u:${pw}@db.example/app`, args: ['status'], says: /unknown URL scheme "mysql:"/ },
  { name: 'port out of range', url: `postgres://u:${pw}@127.0.0.1:99999/app`, args: ['status'], says: /invalid port|malformed/ },
  { name: 'non-numeric port', url: `clickhouse://u:${pw}@localhost:http/app`, args: ['status'], says: /invalid port|malformed/ },
  // paths that cannot be directories (Node's own recursive mkdir never returns for these)
  { name: 'chdb directory under /proc', url: 'chdb:/proc/forbidden', args: ['status'], says: /cannot create embedded ClickHouse data directory \/proc\/forbidden/ },
  { name: 'pglite directory under /proc', url: 'pglite:/proc/forbidden/db', args: ['status'], says: /pglite: cannot create \/proc\/forbidden/ },
  { name: 'state directory under /proc', args: ['--state', '/proc/forbidden/st', 'runs'], says: /cannot create state directory \/proc\/forbidden\/st/ },
  { name: 'missing database (postgres)', url: `postgres://u:${pw}@127.0.0.1:5432`, args: ['status'], says: /names no database/ },
  { name: 'missing database (clickhouse)', url: `clickhouse://u:${pw}@127.0.0.1:8123/`, args: ['status'], says: /names no database/ },
  { name: 'invalid database name', url: `clickhouse://u:${pw}@127.0.0.1:8123/app;drop`, args: ['status'], says: /invalid database|malformed/ },
  { name: 'chdb without directory', url: 'chdb:', args: ['status'], says: /needs a directory/ },
  { name: 'malformed host', url: `postgres://u:${pw}@[::1/app`, args: ['status'], says: /malformed/ },
  // command line
  { name: 'unknown command', args: ['frobnicate'], says: /unknown command "frobnicate"/ },
  { name: 'unknown option', args: ['status', '--frob'], says: /Unknown option '--frob'/i },
  { name: 'option of another command', args: ['status', '--dry-run'], says: /does not apply to "status"/ },
  { name: 'extra argument', args: ['status', 'extra'], says: /takes no arguments/ },
  // did you mean (issue 20, item 8): the nearest command or option this line could take
  { name: 'misspelt command', args: ['statsu'], says: /^error: unknown command "statsu" \(did you mean status\?\)$/ },
  { name: 'misspelt option', args: ['apply', '--dryrun'], says: /^error: unknown option '--dryrun' \(did you mean --dry-run\?\)$/ },
  { name: 'misspelt global option', args: ['--jsn', 'status'], says: /^error: unknown option '--jsn' \(did you mean --json\?\)$/ },
  { name: 'misspelt run option', args: ['run', 'backfill', '--verison', '2'], says: /\(did you mean --version\?\)$/ },
  { name: 'nothing near an unknown option', args: ['status', '--frobnicate'], says: /^error: unknown option '--frobnicate'$/ },
  // errors honour --json: one JSON line on stderr
  { name: '--json: misspelt command', args: ['--json', 'statsu'], json: true, says: /^unknown command "statsu" \(did you mean status\?\)$/ },
  { name: '--json: missing argument', args: ['plan', '--json'], json: true, says: /^plan needs <version>: / },
  { name: '--json: bad URL with a password', url: `mysql://u:${pw}@db.example/app`, args: ['--json', 'status'], json: true, says: /unknown URL scheme "mysql:"/ },
  { name: '--json: refused by the command', args: ['cancel', 'corpus-run', '--json'], json: true, says: /^run corpus-run has ended \(succeeded\): nothing to cancel$/ },
  // a missing argument is named as the help shows it (issue 20, item 6); every command with one below
  { name: 'plan without a version', args: ['plan'], says: /^error: plan needs <version>: show what a backfill would run/ },
  { name: 'backfill without a version or --resume', args: ['backfill'], says: /^error: backfill needs <version> or --resume <runId>: / },
  { name: 'throttle without --concurrency', args: ['throttle', 'corpus-run'], says: /^error: throttle needs --concurrency <n>: / },
  { name: 'option without its value', args: ['apply', '--to'], says: /^error: option '--to <version>' argument missing/ },
  { name: '--target without config file', args: ['--target', 'prod', 'status'], says: /no hourglass.config.json/ },
  // versions
  { name: 'apply --to not a number', args: ['apply', '--to', 'abc'], says: /invalid --to "abc"/ },
  { name: 'apply --to unknown version', args: ['apply', '--to', '99'], says: /unknown version 99/ },
  { name: 'revert --to negative', args: ['revert', '--to=-3'], says: /invalid --to/ },
  { name: 'revert --to unknown version', args: ['revert', '--to', '99'], says: /unknown version 99/ },
  { name: 'backfill non-numeric version', args: ['backfill', 'abc'], says: /invalid version "abc"/ },
  { name: 'backfill unknown version', args: ['backfill', '42'], says: /unknown version 42/ },
  { name: 'backfill of a migration without backfill', args: ['backfill', '1'], says: /has no backfill/ },
  // time ranges
  { name: 'reversed range', args: ['backfill', '2', '--from', '2024-01-02T00:00:00Z', '--to', '2024-01-01T00:00:00Z'], says: /not before/ },
  { name: 'zero-length range', args: ['backfill', '2', '--from', '2024-01-01T05:00:00Z', '--to', '2024-01-01T05:00:00Z'], says: /not before/ },
  { name: 'unparseable time', args: ['backfill', '2', '--from', 'yesterday'], says: /--from: invalid time "yesterday"/ },
  { name: 'time not in UTC', args: ['backfill', '2', '--from', '2024-01-01T00:00:00+02:00'], says: /invalid time/ },
  { name: 'impossible date', args: ['backfill', '2', '--to', '2024-02-31T00:00:00Z'], says: /invalid time/ },
  { name: 'range beyond the cap', args: ['backfill', '2', '--from', '1900-01-01T00:00:00Z', '--to', '2100-01-01T00:00:00Z'], says: /more than the cap of 100000/ },
  // plan --sql <window start>: a window of the plan (2024-01-01T00:00Z … 06:00Z, hourly), else refused before anything is printed
  { name: 'plan --sql not a window start', args: ['plan', '2', '--sql', '2024-01-01T02:30:00Z'], says: /--sql 2024-01-01T02:30:00.000Z is not a window start: it lies in the window starting 2024-01-01T02:00:00.000Z/ },
  { name: 'plan --sql outside the range', args: ['plan', '2', '--sql', '2024-01-01T07:00:00Z'], says: /--sql 2024-01-01T07:00:00.000Z is outside the plan's range 2024-01-01T00:00:00.000Z … 2024-01-01T06:00:00.000Z/ },
  { name: 'plan --sql at the range end', args: ['plan', '2', '--sql', '2024-01-01T06:00:00Z'], says: /is outside the plan's range/ },
  { name: 'plan --sql not a time', args: ['plan', '2', '--sql', 'soon'], says: /--sql: invalid time "soon"/ },
  // window sizes
  { name: 'window zero', args: ['backfill', '2', '--window', '0h'], says: /invalid window size "0h"/ },
  { name: 'window unknown unit', args: ['backfill', '2', '--window', '1x'], says: /invalid window size "1x"/ },
  { name: 'window in seconds', args: ['plan', '2', '--window', '30s'], says: /invalid window size "30s"/ },
  { name: 'window too large', args: ['backfill', '2', '--window', '90d'], says: /at most 31d/ },
  // concurrency
  { name: 'concurrency zero', args: ['backfill', '2', '--concurrency', '0'], says: /invalid --concurrency 0/ },
  { name: 'concurrency negative', args: ['backfill', '2', '--concurrency=-2'], says: /invalid --concurrency/ },
  { name: 'concurrency huge', args: ['backfill', '2', '--concurrency', '100000'], says: /invalid --concurrency 100000/ },
  { name: 'concurrency not a number', args: ['backfill', '2', '--concurrency', 'two'], says: /invalid --concurrency "two"/ },
  // runs and ids
  { name: 'retry of an unknown run', args: ['retry', 'no-such-run'], says: /unknown run "no-such-run"/ },
  { name: 'run id with SQL in it', args: ['windows', "x';DROP TABLE dst;--"], says: /invalid run id|run id/ },
  { name: 'run id with a path', args: ['backfill', '--resume', '../../etc/passwd'], says: /run id/ },
  { name: 'report into a missing directory', args: ['report', 'corpus-run', '--out', '/nonexistent/dir/r.html'], says: /--out .*does not exist/ },
  { name: 'report into a file as directory', args: ['report', 'corpus-run', '--out', '/etc/hostname/r.html'], says: /--out .*not a directory/ },
  { name: 'window status unknown', args: ['windows', 'some-run', '--status', 'weird'], says: /invalid --status "weird"/ },
  { name: 'new run id with a slash', args: ['backfill', '2', '--run-id', 'a/b'], says: /run id|runId/ },
  // migration files
  { name: 'unparseable file name', mig: 'badname', args: ['status'], says: /unparseable migration file name/ },
  { name: 'duplicate version', mig: 'duplicate', args: ['apply'], says: /duplicate version 1/ },
  { name: 'empty migration file', mig: 'empty', args: ['apply'], says: /file is empty/ },
  { name: 'down without up', mig: 'downonly', args: ['status'], says: /down migration without an up/ },
  { name: 'TypeScript migration that throws on import', mig: 'throws', args: ['apply'], says: /failed to import: .*boom on import/ },
  { name: 'SQL and TypeScript for one version', mig: 'both', args: ['status'], says: /both a TypeScript module and SQL/ },
  { name: 'unreadable migrations folder', mig: 'does-not-exist', args: ['status'], says: /cannot read migrations folder/ },
  { name: 'unknown backfill header', mig: 'badheader', args: ['backfill', '2'], says: /unknown backfill header "windoww"/ },
  // state-machine inputs through `run`
  { name: 'run: unknown action', args: ['run', 'destroy'], says: /"action" must be one of/ },
  // a missing option is named as typed (--version, --run-id), not as the run input's field
  { name: 'run: backfill without version', args: ['run', 'backfill'], says: /^error: --version is required for run backfill: the migration/ },
  { name: 'run: retry without run id', args: ['run', 'retry'], says: /^error: --run-id is required for run retry/ },
  { name: 'run: resume without run id', args: ['run', 'resume'], says: /^error: --run-id is required for run resume/ },
  { name: 'run: resume of an unknown run', args: ['run', 'resume', '--run-id', 'no-such-run'], says: /unknown run "no-such-run"/ },
  { name: 'run: concurrency zero', args: ['run', 'apply', '--concurrency', '0'], says: /"concurrency" must be/ },
  { name: 'backfill: statement target without a unit', args: ['backfill', '2', '--statement-target', '3'], says: /invalid --statement-target "3"/ },
  { name: 'run: statement target in hours', args: ['run', 'backfill', '--version', '2', '--statement-target', '1h'], says: /invalid "statementTarget" "1h"/ },
  // new, baseline, repair, cancel, completion
  { name: 'new: name with capitals and a dash', args: ['new', 'Add-Users'], says: /invalid migration name "Add-Users"/ },
  { name: 'new: unknown engine', args: ['new', 'add_users', '--engine', 'mysql'], says: /invalid --engine "mysql"/ },
  { name: 'baseline: unknown version', args: ['baseline', '99'], says: /baseline: unknown version 99/ },
  { name: 'baseline: target already tracked', args: ['baseline', '2'], says: /already tracks migrations \(2 recorded, up to 2\)/ },
  { name: 'baseline: version not a number', args: ['baseline', 'two'], says: /invalid version "two"/ },
  { name: 'repair: without --reason', args: ['repair', '1'], says: /repair needs --reason/ },
  { name: 'repair: unchanged migration', args: ['repair', '1', '--reason', 'none'], says: /matches its recorded checksum: nothing to repair/ },
  { name: 'repair: pending migration', args: ['repair', '3', '--reason', 'x'], says: /migration 3 \(later\) is pending, not applied/ },
  { name: 'repair: unknown version', args: ['repair', '99', '--reason', 'x'], says: /repair: unknown version 99/ },
  { name: 'repair: multi-line reason', args: ['repair', '1', '--reason', 'a\nb'], says: /invalid --reason: one line/ },
  { name: 'cancel: unknown run', args: ['cancel', 'no-such-run'], says: /unknown run "no-such-run"/ },
  { name: 'cancel: a run that has ended', args: ['cancel', 'corpus-run'], says: /run corpus-run has ended \(succeeded\): nothing to cancel/ },
  { name: 'completion: unknown shell', args: ['completion', 'fish'], says: /unsupported shell "fish": expected bash or zsh/ },
  { name: 'cancel: run id with SQL in it', args: ['cancel', "x';DROP TABLE dst;--"], says: /run id/ },
];

// Every command with a required argument, run without it: the message names that argument.
for (const [command, spec] of Object.entries(COMMANDS)) {
  const arg = spec.args?.find((a) => a.startsWith('<'));
  if (!arg || command === 'plan') continue;
  CLI_CASES.push({ name: `${command} without ${arg}`, args: [command], says: new RegExp(`^error: ${command} needs ${arg}: `) });
}

/** Execution inputs and POST /runs bodies (one validator serves both). */
export const INPUT_CASES: { name: string; input: unknown; says: RegExp }[] = [
  { name: 'array', input: [], says: /must be a JSON object/ },
  { name: 'string', input: 'apply', says: /must be a JSON object/ },
  { name: 'null', input: null, says: /must be a JSON object/ },
  { name: 'unknown field', input: { action: 'apply', target: 't', drop: true }, says: /unknown input field "drop"/ },
  { name: 'resume without run id', input: { action: 'resume', target: 't' }, says: /"runId" is required for resume/ },
  { name: 'tolerance above 100', input: { action: 'resume', target: 't', runId: 'r', toleratedFailurePercentage: 101 }, says: /"toleratedFailurePercentage" must be a number from 0 to 100/ },
  { name: 'tolerance as text', input: { action: 'backfill', target: 't', version: 2, toleratedFailurePercentage: '50' }, says: /"toleratedFailurePercentage" must be a number from 0 to 100/ },
  { name: 'action wrong type', input: { action: 1, target: 't' }, says: /"action" must be one of/ },
  { name: 'target injection', input: { action: 'apply', target: "t'; DROP TABLE x; --" }, says: /"target" must be a target name/ },
  { name: 'target path', input: { action: 'apply', target: '../secrets' }, says: /"target" must be a target name/ },
  { name: 'version as string', input: { action: 'backfill', target: 't', version: '3' }, says: /"version" must be/ },
  { name: 'version negative', input: { action: 'backfill', target: 't', version: -1 }, says: /"version" must be/ },
  { name: 'version fractional', input: { action: 'backfill', target: 't', version: 1.5 }, says: /"version" must be/ },
  { name: 'from not a string', input: { action: 'backfill', target: 't', version: 1, from: 1700000000 }, says: /"from" must be an ISO-8601/ },
  { name: 'from unparseable', input: { action: 'backfill', target: 't', version: 1, from: 'now' }, says: /"from": invalid time/ },
  { name: 'from after to', input: { action: 'backfill', target: 't', version: 1, from: '2024-01-02T00:00:00Z', to: '2024-01-01T00:00:00Z' }, says: /"from" must be before "to"/ },
  { name: 'window bad', input: { action: 'backfill', target: 't', version: 1, window: '1w' }, says: /invalid window size/ },
  { name: 'concurrency zero', input: { action: 'backfill', target: 't', version: 1, concurrency: 0 }, says: /"concurrency" must be/ },
  { name: 'concurrency huge', input: { action: 'backfill', target: 't', version: 1, concurrency: 65 }, says: /"concurrency" must be/ },
  { name: 'concurrency string', input: { action: 'backfill', target: 't', version: 1, concurrency: '4' }, says: /"concurrency" must be/ },
  { name: 'runId with slash', input: { action: 'retry', target: 't', runId: 'a/b' }, says: /"runId" must be/ },
  { name: 'statementTarget a number', input: { action: 'backfill', target: 't', version: 1, statementTarget: 3000 }, says: /"statementTarget" must be a duration string/ },
  { name: 'statementTarget too long', input: { action: 'backfill', target: 't', version: 1, statementTarget: '20m' }, says: /invalid "statementTarget" "20m"/ },
  { name: 'runId too long', input: { action: 'retry', target: 't', runId: 'r'.repeat(81) }, says: /"runId" must be/ },
  { name: 'retry without runId', input: { action: 'retry', target: 't' }, says: /"runId" is required/ },
];
