// Reads a migrations folder into groups of files by version. Names:
//   NNNN_name.up.sql  NNNN_name.down.sql  NNNN_name.backfill.sql  NNNN_name.verify.sql  NNNN_name.ts
// Anything else ending in .sql or .ts is refused by name; other files (README.md…) are ignored.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MigrationFileError, UsageError } from '../errors.js';

export type FileKind = 'up' | 'down' | 'backfill' | 'verify' | 'ts';

export interface MigrationFiles {
  version: number;
  name: string;
  /** kind → absolute path */
  files: Partial<Record<FileKind, string>>;
  /** kind → text (TypeScript modules are hashed as text too, imported only when run) */
  texts: Partial<Record<FileKind, string>>;
}

const NAME = /^(\d+)_([A-Za-z0-9][A-Za-z0-9_-]*)\.(up\.sql|down\.sql|backfill\.sql|verify\.sql|ts)$/;
const KIND: Record<string, FileKind> = { 'up.sql': 'up', 'down.sql': 'down', 'backfill.sql': 'backfill', 'verify.sql': 'verify', ts: 'ts' };

export function readMigrationFolder(dir: string): MigrationFiles[] {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`migrations folder ${dir} is not a directory`);
    entries = readdirSync(dir).sort();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read migrations folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  const byVersion = new Map<number, MigrationFiles>();
  const prefix = join(dir, '/');
  for (const entry of entries) {
    if (!/\.(sql|ts)$/.test(entry) || entry.endsWith('.d.ts')) continue;
    const match = NAME.exec(entry);
    if (!match) throw new MigrationFileError(entry, 'unparseable migration file name: expected NNNN_name.up.sql, NNNN_name.down.sql, NNNN_name.backfill.sql, NNNN_name.verify.sql or NNNN_name.ts');
    const version = Number(match[1]);
    if (!Number.isSafeInteger(version)) throw new MigrationFileError(entry, `version ${match[1]} is too large`);
    const name = match[2];
    const kind = KIND[match[3]];
    const group = byVersion.get(version) ?? { version, name, files: {}, texts: {} };
    if (group.name !== name) throw new MigrationFileError(entry, `duplicate version ${version}: also used by "${group.name}"`);
    if (group.files[kind]) throw new MigrationFileError(entry, `duplicate version ${version} (${kind})`);
    const path = prefix + entry; // = join(dir, entry) for a bare name, without normalizing per file
    group.files[kind] = path;
    const text = readFileSync(path, 'utf8');
    group.texts[kind] = text.includes('\r') ? text.replace(/\r\n/g, '\n') : text;
    byVersion.set(version, group);
  }
  const groups = [...byVersion.values()].sort((a, b) => a.version - b.version);
  for (const group of groups) checkGroup(group);
  return groups;
}

function fileName(group: MigrationFiles, kind: FileKind): string {
  const path = group.files[kind] ?? '';
  return path.slice(path.lastIndexOf('/') + 1);
}

function checkGroup(group: MigrationFiles): void {
  const { files, texts } = group;
  if (files.ts && (files.up || files.down)) throw new MigrationFileError(fileName(group, 'ts'), `version ${group.version} has both a TypeScript module and SQL up/down files: keep one form`);
  if (!files.ts && !files.up) {
    const first = (Object.keys(files) as FileKind[])[0];
    const what = files.down ? 'a down migration without an up' : `a ${first} file without an up migration`;
    throw new MigrationFileError(fileName(group, first), what);
  }
  for (const kind of ['up', 'down', 'ts'] as const) {
    const text = texts[kind];
    if (text !== undefined && isBlankSql(text)) throw new MigrationFileError(fileName(group, kind), 'file is empty');
  }
}

function isBlankSql(text: string): boolean {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/--[^\n]*/g, '').trim() === '';
}
