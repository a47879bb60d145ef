// The source table a backfill reads, for plan-time warnings: the `source:` header, or the
// statement's first FROM.
import type { BackfillDefinition } from '../backfill/definition.js';

export function sourceTable(def: Pick<BackfillDefinition, 'source' | 'statement'>): string | undefined {
  return def.source ?? /\bFROM\s+([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)/i.exec(def.statement)?.[1];
}
