// SHA-256 over every file of a migration, in a fixed kind order, with line endings
// normalized so a checkout on another OS does not look like tampering.
import { createHash } from 'node:crypto';
import type { FileKind, MigrationFiles } from './files.js';

const ORDER: FileKind[] = ['up', 'ts', 'down', 'backfill', 'verify'];

export function migrationChecksum(group: Pick<MigrationFiles, 'texts'>): string {
  const hash = createHash('sha256');
  for (const kind of ORDER) {
    const text = group.texts[kind];
    if (text === undefined) continue;
    hash.update(`${kind}\0${text}\0`); // the same bytes as four updates, one call into the hash
  }
  return hash.digest('hex');
}
