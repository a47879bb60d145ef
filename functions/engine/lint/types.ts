// What lint works on and what it reports. A rule sees one migration at a time, with the whole
// plan around it (the migration set in order, which of it is linted, which is pending) and the
// ClickHouse schema the earlier statements produce.
import type { Engine } from '../drivers/driver.js';
import type { Token } from '../sql/lexer.js';
import type { Schema } from './schema.js';

export type Severity = 'error' | 'warning';

export interface Finding {
  rule: string;
  severity: Severity;
  version: number;
  file: string;
  line: number;
  /** The statement's first code line. */
  statement: string;
  message: string;
  fix: string;
}

export interface LintStatement {
  index: number;
  text: string;
  /** 1-based line in the file where the statement's code starts. */
  line: number;
  /** Code tokens (no comments). */
  code: Token[];
  /** `-- hourglass:allow <rule> <reason>` comments in or just before the statement. */
  allows: { rule: string; reason: string; line: number }[];
}

export interface LintMigration {
  version: number;
  name: string;
  /** The up file's name (or the TypeScript module's). */
  file: string;
  engine: Engine;
  /** Empty for a TypeScript migration: its SQL is only known when it runs. */
  statements: LintStatement[];
  /** `-- hourglass:no-transaction` (PostgreSQL runs it statement by statement). */
  noTransaction: boolean;
  /** The backfill's `target:` table, when the migration has a backfill. */
  backfillTarget?: string;
  /** The backfill can be verified: it has a `source-count:` (per-window counts) or a verify file. */
  backfillVerified: boolean;
}

export interface LintPlan {
  engine: Engine;
  /** The whole set, in version order: earlier migrations shape the schema later ones see. */
  migrations: LintMigration[];
  /** Versions that apply would run together (pending), when known; null when linting offline. */
  pending: Set<number> | null;
}

export interface RuleContext {
  plan: LintPlan;
  /** The schema (tables, and on PostgreSQL the TimescaleDB objects) just before a statement of this migration runs. */
  schemaBefore(statement: LintStatement): Schema;
}

export interface Hit {
  statement: LintStatement;
  message: string;
  fix: string;
}

export interface Rule {
  name: string;
  severity: Severity;
  engines: readonly Engine[];
  /** One line: what the rule catches (README, --help). */
  summary: string;
  check(migration: LintMigration, ctx: RuleContext): Hit[];
}
