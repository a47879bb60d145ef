// A migrations folder written from a map of file name → text, loaded by the real set loader.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMigrationSet, type MigrationSet } from '../../functions/engine/migrations/set.js';

export function writeMigrationFiles(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A fresh numbered folder under `root` per call (`m1`, `m2`, …), loaded as a MigrationSet. */
export function migrationSetFactory(root: () => string): (files: Record<string, string>) => MigrationSet {
  let made = 0;
  return (files) => loadMigrationSet(writeMigrationFiles(join(root(), `m${++made}`), files));
}
