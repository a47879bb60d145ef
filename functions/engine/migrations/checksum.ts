// SHA-256 over every file of a migration, in a fixed kind order, with line endings
// normalized so a checkout on another OS does not look like tampering.
import { hash } from 'node:crypto';
import type { FileKind, MigrationFiles } from './files.js';

const ORDER: FileKind[] = ['up', 'ts', 'down', 'backfill', 'verify'];

export function migrationChecksum(group: Pick<MigrationFiles, 'texts'>): string {
  // kind \0 text \0 per file: the bytes checksums have always covered, hashed in one call
  // (hundreds of migrations are read at every start; a Hash object per migration costs more).
  let bytes = '';
  for (const kind of ORDER) {
    const text = group.texts[kind];
    if (text !== undefined) bytes += `${kind}\0${text}\0`;
  }
  return hash('sha256', bytes, 'hex');
}
