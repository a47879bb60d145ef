// The migration set: what the folder says, validated and checksummed. SQL is read up
// front; TypeScript modules are imported only when a command needs to run them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { MigrationFileError } from '../errors.js';
import type { Executor, Engine } from '../drivers/driver.js';
import { migrationChecksum } from './checksum.js';
import { readMigrationFolder, type MigrationFiles } from './files.js';

/** What a TypeScript migration's `up`/`down` receives. */
export interface MigrationContext extends Executor {
  engine: Engine;
  log(message: string): void;
}

export interface TypeScriptMigrationModule {
  up(ctx: MigrationContext): Promise<void> | void;
  down?(ctx: MigrationContext): Promise<void> | void;
  /** Run outside a transaction on PostgreSQL. */
  noTransaction?: boolean;
  /** Backfill definition, same text as a .backfill.sql file. */
  backfill?: string;
}

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  form: 'sql' | 'ts';
  /** Absolute paths by kind. */
  files: MigrationFiles['files'];
  upSql?: string;
  downSql?: string;
  backfillSql?: string;
  verifySql?: string;
  /** `-- hourglass:no-transaction` at the top of the up file (PostgreSQL). */
  noTransaction: boolean;
  /** SQL down exists; for TypeScript it is known only after load(). */
  hasSqlDown: boolean;
}

export interface MigrationSet {
  dir: string;
  migrations: Migration[];
  /** Gaps in numbering: allowed, reported. */
  warnings: string[];
}

const NO_TRANSACTION = /^(?:\s*--[^\n]*\n)*?\s*--\s*hourglass:no-transaction\b/;

export function loadMigrationSet(dir: string): MigrationSet {
  const groups = readMigrationFolder(dir);
  const migrations = groups.map(toMigration);
  const warnings: string[] = [];
  for (let i = 1; i < migrations.length; i++) {
    const prev = migrations[i - 1].version;
    const cur = migrations[i].version;
    if (cur !== prev + 1) warnings.push(`gap in numbering: ${prev} is followed by ${cur}`);
  }
  return { dir, migrations, warnings };
}

function toMigration(group: MigrationFiles): Migration {
  const up = group.texts.up;
  return {
    version: group.version,
    name: group.name,
    checksum: migrationChecksum(group),
    form: group.files.ts ? 'ts' : 'sql',
    files: group.files,
    upSql: up,
    downSql: group.texts.down,
    backfillSql: group.texts.backfill,
    verifySql: group.texts.verify,
    noTransaction: up !== undefined && NO_TRANSACTION.test(up),
    hasSqlDown: group.texts.down !== undefined,
  };
}

const loaded = new Map<string, TypeScriptMigrationModule>();

/** Imports a TypeScript migration (through tsx), refusing a module that throws or lacks `up`. */
export async function loadTypeScriptMigration(migration: Migration): Promise<TypeScriptMigrationModule> {
  const path = migration.files.ts;
  if (!path) throw new Error(`migration ${migration.version} is not a TypeScript migration`);
  const cached = loaded.get(path);
  if (cached) return cached;
  const file = path.slice(path.lastIndexOf('/') + 1);
  let mod: Partial<TypeScriptMigrationModule> & { default?: Partial<TypeScriptMigrationModule> };
  try {
    mod = await importTypeScript(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new MigrationFileError(file, `failed to import: ${reason}`);
  }
  const exports = typeof mod.up === 'function' ? mod : mod.default ?? {};
  if (typeof exports.up !== 'function') throw new MigrationFileError(file, 'TypeScript migration must export a function `up`');
  if (exports.down !== undefined && typeof exports.down !== 'function') throw new MigrationFileError(file, '`down` must be a function');
  const result = exports as TypeScriptMigrationModule;
  loaded.set(path, result);
  return result;
}

/**
 * The JavaScript that synth compiled from exactly this file (scripts/compile-migrations.mjs,
 * same naming): .compiled/<file>.<sha256 of its bytes, 16 hex>.mjs beside it. Only bundles have one.
 */
export function compiledPath(path: string): string {
  const slash = path.lastIndexOf('/');
  const digest = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
  return `${path.slice(0, slash)}/.compiled/${path.slice(slash + 1)}.${digest}.mjs`;
}

/**
 * In a bundle (Lambda), the JavaScript compiled at synth: no type stripping or tsx needed.
 * Elsewhere through tsx (local, CI), or Node's own type stripping where tsx is missing.
 */
async function importTypeScript(path: string): Promise<Partial<TypeScriptMigrationModule> & { default?: Partial<TypeScriptMigrationModule> }> {
  const compiled = compiledPath(path);
  if (existsSync(compiled)) return (await import(pathToFileURL(compiled).href)) as never;
  let tsx: { tsImport(specifier: string, parent: string): Promise<unknown> } | undefined;
  try {
    tsx = await import('tsx/esm/api');
  } catch (error) {
    if (!(error instanceof Error && /Cannot find (package|module)|ERR_MODULE_NOT_FOUND/.test(`${(error as NodeJS.ErrnoException).code} ${error.message}`))) throw error;
  }
  const url = pathToFileURL(path).href;
  return (tsx ? tsx.tsImport(url, import.meta.url) : import(url)) as never;
}

export async function hasDown(migration: Migration): Promise<boolean> {
  if (migration.form === 'sql') return migration.hasSqlDown;
  return typeof (await loadTypeScriptMigration(migration)).down === 'function';
}

export async function isNoTransaction(migration: Migration): Promise<boolean> {
  if (migration.form === 'sql') return migration.noTransaction;
  return (await loadTypeScriptMigration(migration)).noTransaction === true;
}

export async function backfillText(migration: Migration): Promise<string | undefined> {
  if (migration.backfillSql !== undefined) return migration.backfillSql;
  if (migration.form === 'ts') return (await loadTypeScriptMigration(migration)).backfill;
  return undefined;
}
