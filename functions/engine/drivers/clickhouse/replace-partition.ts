// ClickHouse `replace-partition`: a span of windows is built in a staging table with the
// target's structure, then swapped in with ALTER TABLE … REPLACE PARTITION (atomic per
// partition). Windows are exactly one partition each (assertPartitionAligned at plan time),
// so a span of several windows is several whole partitions: each staged partition replaces
// the target's, and a target partition of the span the statement left empty is dropped.
// Re-running any window alone or inside another span leaves the same partition contents.
import { OperationError, UsageError } from '../../errors.js';
import type { BackfillDefinition } from '../../backfill/definition.js';
import type { PlannedStatement } from '../backfill-dialect.js';
import type { Driver, Executor } from '../driver.js';
import { inWindow, qualifiedName, windowParams, type TimeSpan } from '../window-range.js';

const ALIGNED: { pattern: (col: string) => RegExp; windowMs: number }[] = [
  { pattern: (c) => new RegExp(`^(toDate|toYYYYMMDD|toStartOfDay)\\(${c}\\)$`), windowMs: 86_400_000 },
  { pattern: (c) => new RegExp(`^toStartOfHour\\(${c}\\)$`), windowMs: 3_600_000 },
];

const PARTITION_ID = /^[A-Za-z0-9_-]+$/;

export async function assertPartitionAligned(driver: Driver, def: BackfillDefinition): Promise<void> {
  const key = await partitionKey(driver, def.target);
  const fits = ALIGNED.some((a) => a.pattern(def.timeColumn).test(key.replace(/\s+/g, '')) && a.windowMs === def.windowMs);
  if (!fits) throw new UsageError(`strategy replace-partition needs windows that are exactly one partition: ${def.target} is partitioned by "${key || 'nothing'}" and the window is ${def.window} (use toDate(${def.timeColumn}) with 1d or toStartOfHour(${def.timeColumn}) with 1h)`);
  if (!intoTarget(def).test(def.statement)) {
    throw new UsageError(`strategy replace-partition needs the statement to start with INSERT INTO ${def.target}`);
  }
}

function intoTarget(def: BackfillDefinition): RegExp {
  return new RegExp(`^(\\s*INSERT\\s+INTO\\s+)${def.target.replace('.', '\\.')}\\b`, 'i');
}

async function partitionKey(driver: Driver, table: string): Promise<string> {
  const [db, name] = table.includes('.') ? table.split('.') : [null, table];
  const rows = await driver.query<{ partition_key: string }>(
    'SELECT partition_key FROM system.tables WHERE database = if({db} = \'\', currentDatabase(), {db}) AND name = {name}',
    { db: db ?? '', name },
  );
  if (!rows[0]) throw new OperationError(`target table ${table} does not exist`);
  return rows[0].partition_key;
}

function checkedIds(rows: { p: string }[]): string[] {
  return rows.map(({ p }) => {
    if (!PARTITION_ID.test(p)) throw new OperationError(`unexpected partition id ${p}`);
    return p;
  });
}

/** The statement texts of one span (one place, for the run and for `plan --sql`); ids are checked ones. */
function spanSql(driver: Driver, def: BackfillDefinition, stagingKey: string) {
  const staging = `${def.target.split('.').pop()}_hg_stage_${stagingKey.replace(/[^A-Za-z0-9]/g, '').slice(-24)}`;
  const target = qualifiedName(driver, def.target);
  const stage = driver.quoteIdentifier(staging);
  return {
    staging,
    target,
    dropStage: `DROP TABLE IF EXISTS ${stage}`,
    createStage: `CREATE TABLE ${stage} AS ${target}`,
    insert: def.statement.replace(intoTarget(def), `$1${stage}`),
    replace: (id: string) => `ALTER TABLE ${target} REPLACE PARTITION ID '${id}' FROM ${stage}`,
    drop: (id: string) => `ALTER TABLE ${target} DROP PARTITION ID '${id}'`,
  };
}

/** `exec` runs the statements (it carries the statement limits); `driver` quotes. */
export async function replacePartitions(exec: Executor, driver: Driver, def: BackfillDefinition, span: TimeSpan, stagingKey: string): Promise<void> {
  const sql = spanSql(driver, def, stagingKey);
  const params = windowParams(span);
  await exec.exec(sql.dropStage);
  await exec.exec(sql.createStage);
  try {
    await exec.exec(sql.insert, params);
    const staged = checkedIds(await exec.query<{ p: string }>(
      'SELECT DISTINCT partition_id AS p FROM system.parts WHERE database = currentDatabase() AND table = {t} AND active',
      { t: sql.staging },
    ));
    // The span's partitions the target holds now: those the statement left empty are dropped.
    const present = checkedIds(await exec.query<{ p: string }>(`SELECT DISTINCT _partition_id AS p FROM ${sql.target} WHERE ${inWindow(driver, def.timeColumn)}`, params));
    for (const id of staged) await exec.exec(sql.replace(id));
    for (const id of present.filter((p) => !staged.includes(p))) await exec.exec(sql.drop(id));
  } finally {
    await exec.exec(sql.dropStage);
  }
}

/** What replacePartitions runs over `span`, in order; `<id>` stands for each partition id it finds. */
export function replacePartitionsStatements(driver: Driver, def: BackfillDefinition, span: TimeSpan, stagingKey: string): PlannedStatement[] {
  const sql = spanSql(driver, def, stagingKey);
  return [
    { sql: sql.dropStage, params: {} },
    { sql: sql.createStage, params: {} },
    { sql: sql.insert, params: windowParams(span) },
    { sql: sql.replace('<id>'), params: {}, note: 'once per partition the INSERT staged' },
    { sql: sql.drop('<id>'), params: {}, note: 'once per partition of the window that holds target rows and the INSERT left empty' },
    { sql: sql.dropStage, params: {}, note: 'always, even when a statement before it failed' },
  ];
}
