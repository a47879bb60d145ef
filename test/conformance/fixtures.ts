// Migration files the cases write into their temp folders. SQL that differs between
// engines (CREATE TABLE) comes from the harness; the rest is the same on both.
import type { EngineHarness } from './harness.js';

export type Files = Record<string, string>;

export function fileName(version: number, name: string, kind: 'up.sql' | 'down.sql' | 'ts'): string {
  return `${String(version).padStart(4, '0')}_${name}.${kind}`;
}

/** A migration creating table `name` (and, with a down, dropping it). */
export function tableMigration(h: EngineHarness, version: number, name: string, opts: { down?: boolean } = {}): Files {
  const files: Files = { [fileName(version, name, 'up.sql')]: `${h.createTable(name)};\n` };
  if (opts.down !== false) files[fileName(version, name, 'down.sql')] = `DROP TABLE ${name};\n`;
  return files;
}

/** Tables t1…tn, one migration each, versions 1…n. */
export function tableMigrations(h: EngineHarness, n: number, opts: { down?: boolean } = {}): Files {
  let files: Files = {};
  for (let v = 1; v <= n; v++) files = { ...files, ...tableMigration(h, v, `t${v}`, opts) };
  return files;
}

/**
 * A TypeScript migration using ctx.exec and ctx.query: it inserts 1 and 2, reads the
 * count back through ctx.query and inserts count × 10, so the rows are [1, 2, 20] only if
 * both calls really reached the database. Type annotations make it TypeScript, not JS.
 */
export function typeScriptMigration(h: EngineHarness, table: string): string {
  return `interface Ctx {
  engine: string;
  exec(sql: string): Promise<void>;
  query(sql: string): Promise<Array<Record<string, unknown>>>;
}

export async function up(ctx: Ctx): Promise<void> {
  await ctx.exec(${JSON.stringify(h.createTable(table))});
  await ctx.exec('INSERT INTO ${table} VALUES (1)');
  await ctx.exec('INSERT INTO ${table} VALUES (2)');
  const [row] = await ctx.query('SELECT count(*) AS n FROM ${table}');
  const seen: number = Number(row.n);
  await ctx.exec(\`INSERT INTO ${table} VALUES (\${seen * 10})\`);
}

export async function down(ctx: Ctx): Promise<void> {
  await ctx.exec('DROP TABLE ${table}');
}
`;
}

export interface StatusJson {
  databaseVersion: number | null;
  codeVersion: number;
  migrations: {
    version: number; name: string; state: string; checksum: string; error?: string;
    appliedAt?: string; durationMs?: number | null; recordedChecksum?: string; baseline?: boolean; recordedBy?: string; reason?: string;
  }[];
}

export interface ApplyJson {
  dryRun: boolean;
  planned: { version: number; name: string; resumeAt?: number }[];
  applied: { version: number; name: string; resumedAt?: number }[];
  databaseVersion: number | null;
  codeVersion: number;
}

/** version → state, the compact form most assertions compare. */
export function states(status: StatusJson): Record<number, string> {
  return Object.fromEntries(status.migrations.map((m) => [m.version, m.state]));
}
