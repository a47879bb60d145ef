// A migration set as lint sees it: each up migration's statements (from the one lexer), its
// allows, and what its backfill fills and whether that backfill is verified.
import { basename } from 'node:path';
import type { Engine } from '../drivers/driver.js';
import { parseBackfillDefinition } from '../backfill/definition.js';
import type { Migration, MigrationSet } from '../migrations/set.js';
import { parseStatements } from '../sql/statements.js';
import { allowsIn } from './allow.js';
import type { LintMigration, LintPlan } from './types.js';

export async function lintPlan(set: MigrationSet, engine: Engine, pending: Set<number> | null): Promise<LintPlan> {
  const migrations: LintMigration[] = [];
  for (const m of set.migrations) migrations.push(await lintMigration(m, engine));
  return { engine, migrations, pending };
}

export async function lintMigration(m: Migration, engine: Engine): Promise<LintMigration> {
  const statements = m.upSql === undefined ? [] : parseStatements(m.upSql, engine).map((s, index) => ({
    index, text: s.text, line: s.line, code: s.code, allows: allowsIn(s.tokens),
  }));
  const backfill = await backfillOf(m);
  return {
    version: m.version,
    name: m.name,
    file: basename(m.files.up ?? m.files.ts ?? `${m.version}_${m.name}`),
    engine,
    statements,
    noTransaction: m.noTransaction,
    ...(backfill ? { backfillTarget: backfill.target.split('.').pop() } : {}),
    backfillVerified: backfill !== undefined && (backfill.sourceCount !== undefined || m.verifySql !== undefined),
  };
}

/** A .backfill.sql only: a TypeScript module's `backfill` export would need importing (running) it. */
async function backfillOf(m: Migration) {
  try {
    const text = m.backfillSql;
    return text === undefined ? undefined : parseBackfillDefinition(text, m);
  } catch {
    return undefined; // `validate` and `plan` report a broken backfill; lint only needs a sound one
  }
}
