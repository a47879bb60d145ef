// Applies migrations to a scratch database, the way apply runs them, to get the schema
// the migrations produce. Not the Migrator: the scratch database is private to this run
// (no lock, no tracking table to keep), and each migration's `{cutover}` must be the one
// the live target recorded when it applied that migration — otherwise every view built
// around a cut-over would differ by its timestamp alone.
import type { Engine, Executor } from '../drivers/driver.js';
import { OperationError, shortError } from '../errors.js';
import { loadTypeScriptMigration, type MigrationContext, type MigrationSet } from '../migrations/set.js';
import { nextWindowStart, substituteCutover, usesCutover } from '../migrator/cutover.js';
import { firstLine, splitSqlStatements } from '../sql-split.js';
import type { Migration } from '../migrations/set.js';

/** Which migrations make up the expected schema. JSON: it is handed to the ClickHouse scratch child process. */
export interface ScratchPlan {
  versions: number[];
  /** version → ISO cut-over the live target substituted for `{cutover}`. */
  cutovers: Record<string, string>;
}

export async function applyToScratch(exec: Executor, engine: Engine, set: MigrationSet, plan: ScratchPlan, now = new Date()): Promise<void> {
  const wanted = new Set(plan.versions);
  for (const m of set.migrations) {
    if (!wanted.has(m.version)) continue;
    if (m.form === 'ts') {
      const mod = await loadTypeScriptMigration(m);
      try {
        await mod.up(scratchContext(exec, engine, m));
      } catch (error) {
        throw scratchFailure(m, null, error);
      }
      continue;
    }
    const statements = splitSqlStatements(upText(m, engine, plan, now), engine);
    for (let i = 0; i < statements.length; i++) {
      try {
        await exec.exec(statements[i]);
      } catch (error) {
        throw scratchFailure(m, `statement ${i + 1} (${firstLine(statements[i], engine)})`, error);
      }
    }
  }
}

function upText(m: Migration, engine: Engine, plan: ScratchPlan, now: Date): string {
  const sql = m.upSql ?? '';
  if (!usesCutover(sql)) return sql;
  const recorded = plan.cutovers[String(m.version)];
  // Not applied on the live target yet: any window start will do, the view differs anyway.
  return substituteCutover(sql, engine, recorded ? new Date(recorded) : nextWindowStart(now, 3_600_000));
}

function scratchContext(exec: Executor, engine: Engine, m: Migration): MigrationContext {
  return {
    engine,
    client: exec.client,
    exec: (sql, params) => exec.exec(sql, params),
    query: (sql, params) => exec.query(sql, params),
    log: (message) => process.stderr.write(`  [scratch ${m.version}_${m.name}] ${message}\n`),
  };
}

function scratchFailure(m: Migration, where: string | null, error: unknown): OperationError {
  return new OperationError(
    `cannot build the expected schema: migration ${m.version} (${m.name}) failed on a scratch database${where ? ` at ${where}` : ''}: ${shortError(error)}`,
    { cause: error },
  );
}
