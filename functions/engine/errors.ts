// One error type per failure, each with the exit code the CLI maps it to:
// 2 = bad usage or bad input (nothing was changed), 1 = the operation failed or found problems.
import { redact } from './redact.js';

export abstract class HourglassError extends Error {
  abstract readonly exitCode: 1 | 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(redact(message), options);
    this.name = new.target.name;
  }
}

/** Bad command line, flag value, URL, time range, API body… Exit 2. */
export class UsageError extends HourglassError {
  readonly exitCode = 2 as const;
}

/** A migration file that cannot be used (bad name, duplicate version, down without up, empty, import fails). Exit 2. */
export class MigrationFileError extends HourglassError {
  readonly exitCode = 2 as const;
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

/** An applied migration whose files changed since it was applied. Exit 1. */
export class ChecksumMismatchError extends HourglassError {
  readonly exitCode = 1 as const;
  constructor(readonly version: number, readonly migrationName: string, readonly expected: string, readonly actual: string) {
    super(`migration ${version} (${migrationName}) was changed after it was applied: checksum ${actual.slice(0, 12)} differs from recorded ${expected.slice(0, 12)}; restore the file, or if the edit is intended: hourglass repair ${version} --reason "…"`);
  }
}

/** Recorded as applied in the database, but its files are gone. Exit 1. */
export class MissingMigrationError extends HourglassError {
  readonly exitCode = 1 as const;
  constructor(readonly version: number, readonly migrationName: string) {
    super(`migration ${version} (${migrationName}) is applied in the database but its files are missing`);
  }
}

/** A statement of a migration failed while applying or reverting. Exit 1. */
export class MigrationFailedError extends HourglassError {
  readonly exitCode = 1 as const;
  constructor(readonly version: number, readonly migrationName: string, readonly statementIndex: number | null, readonly statementFirstLine: string | null, reason: string, options?: { cause?: unknown }) {
    const where = statementIndex === null ? '' : ` at statement ${statementIndex + 1} (${statementFirstLine})`;
    super(`migration ${version} (${migrationName}) failed${where}: ${reason}`, options);
  }
}

/** Lint found error-level problems in migrations about to be applied: nothing ran. Exit 1. */
export class LintFailedError extends HourglassError {
  readonly exitCode = 1 as const;
  constructor(readonly findings: { rule: string; severity: string; file: string; line: number; message: string; fix: string }[]) {
    const first = findings[0];
    const more = findings.length > 1 ? ` (and ${findings.length - 1} more)` : '';
    super(`lint refused the migrations before any statement ran: ${first.file}:${first.line} ${first.rule}: ${first.message}${more}; fix it or add \`-- hourglass:allow ${first.rule} <reason>\``);
  }
}

/** Revert asked for a migration that has no down. Exit 1, before anything runs. */
export class MissingDownError extends HourglassError {
  readonly exitCode = 1 as const;
  constructor(readonly version: number, readonly migrationName: string) {
    super(`cannot revert migration ${version} (${migrationName}): it has no down migration`);
  }
}

/** Another process holds the target's migration lock, or a local state directory. Exit 1. */
export class LockBusyError extends HourglassError {
  readonly exitCode = 1 as const;
}

/** The target could not be reached or opened (server down, data dir owned by another process). Exit 1. */
export class ConnectionError extends HourglassError {
  readonly exitCode = 1 as const;
}

/**
 * verify could not build the expected schema on the target's server: no privilege for a
 * scratch database or schema, migrations a scratch cannot isolate, or the build failed or ran
 * out of time. Not retried: the run is `unverified`, never clean. Exit 1.
 */
export class ScratchUnavailableError extends HourglassError {
  readonly exitCode = 1 as const;
  constructor(message: string, readonly reason: 'privilege' | 'isolation' | 'failed' | 'deadline', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Any other failure of an operation against a target or the state store. Exit 1. */
export class OperationError extends HourglassError {
  readonly exitCode = 1 as const;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return redact(error.message);
  return redact(String(error));
}

/** First line, redacted, cut to `max` characters: the form errors take in tracking rows and window records. */
export function shortError(error: unknown, max = 500): string {
  const line = errorMessage(error).split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * Another run holds the lease of this target and migration version (one backfill, retry or
 * resume at a time). Exit 1; the execution ends in RunRefused with this name, and the API answers 409.
 */
export class RunLeaseHeldError extends HourglassError {
  readonly exitCode = 1 as const;
  constructor(message: string, readonly holderRunId: string) {
    super(message);
  }
}

/**
 * A run id that is taken by a run with other parameters, or by another execution: refused
 * without touching that run. Exit 2 (bad input); the execution ends in RunRefused with this name.
 */
export class RunConflictError extends HourglassError {
  readonly exitCode = 2 as const;
}
