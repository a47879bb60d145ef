// ClickHouse `replace-partition`: the window is built in a staging table with the
// target's structure, then swapped in with ALTER TABLE … REPLACE PARTITION, which is
// atomic per partition. Only windows that are exactly one partition are allowed
// (checked at plan time by assertPartitionAligned).
import { OperationError, UsageError } from '../errors.js';
import type { Driver, Executor } from '../drivers/driver.js';
import type { BackfillDefinition } from './definition.js';
import { inWindow, qualifiedName, windowParams } from '../drivers/window-range.js';
import type { WindowContext, WindowSpan } from './strategies.js';

const ALIGNED: { pattern: (col: string) => RegExp; windowMs: number }[] = [
  { pattern: (c) => new RegExp(`^(toDate|toYYYYMMDD|toStartOfDay)\\(${c}\\)$`), windowMs: 86_400_000 },
  { pattern: (c) => new RegExp(`^toStartOfHour\\(${c}\\)$`), windowMs: 3_600_000 },
];

export async function assertPartitionAligned(driver: Driver, def: BackfillDefinition): Promise<void> {
  if (driver.engine !== 'clickhouse') throw new UsageError('strategy replace-partition is for ClickHouse only');
  const key = await partitionKey(driver, def.target);
  const fits = ALIGNED.some((a) => a.pattern(def.timeColumn).test(key.replace(/\s+/g, '')) && a.windowMs === def.windowMs);
  if (!fits) throw new UsageError(`strategy replace-partition needs windows that are exactly one partition: ${def.target} is partitioned by "${key || 'nothing'}" and the window is ${def.window} (use toDate(${def.timeColumn}) with 1d or toStartOfHour(${def.timeColumn}) with 1h)`);
  if (!new RegExp(`^\\s*INSERT\\s+INTO\\s+${def.target.replace('.', '\\.')}\\b`, 'i').test(def.statement)) {
    throw new UsageError(`strategy replace-partition needs the statement to start with INSERT INTO ${def.target}`);
  }
}

/** A window cut short by the range would still replace its whole partition, wiping the partition's rows outside the range. */
export function assertRangeOnGrid(from: Date, to: Date, def: BackfillDefinition): void {
  for (const [bound, at] of [['starts', from], ['ends', to]] as const) {
    if (at.getTime() % def.windowMs !== 0) throw new UsageError(`strategy replace-partition replaces whole partitions, so the range must start and end on the ${def.window} grid, but it ${bound} at ${at.toISOString()} (align --from/--to or the definition's from/to)`);
  }
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

/** `exec` runs the statements (it carries the window's limits); `ctx.driver` quotes. */
export async function replacePartitionWindow(ctx: WindowContext, exec: Executor, w: WindowSpan): Promise<void> {
  const { driver, def } = ctx;
  const staging = `${def.target.split('.').pop()}_hg_stage_${ctx.windowKey.replace(/[^A-Za-z0-9]/g, '').slice(-24)}`;
  const target = qualifiedName(driver, def.target);
  const stage = driver.quoteIdentifier(staging);
  const params = windowParams(w);
  await exec.exec(`DROP TABLE IF EXISTS ${stage}`);
  await exec.exec(`CREATE TABLE ${stage} AS ${target}`);
  try {
    const statement = def.statement.replace(new RegExp(`^(\\s*INSERT\\s+INTO\\s+)${def.target.replace('.', '\\.')}\\b`, 'i'), `$1${stage}`);
    await exec.exec(statement, params);
    const parts = await exec.query<{ partition_id: string }>(
      'SELECT DISTINCT partition_id FROM system.parts WHERE database = currentDatabase() AND table = {t} AND active',
      { t: staging },
    );
    if (parts.length > 1) throw new OperationError(`window ${w.start.toISOString()} spans ${parts.length} partitions of ${def.target}`);
    if (parts.length === 0) {
      // Nothing to put in: make the target's window empty too.
      await exec.exec(`DELETE FROM ${target} WHERE ${inWindow(driver, def.timeColumn)}`, params);
    } else {
      const id = parts[0].partition_id;
      if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new OperationError(`unexpected partition id ${id}`);
      await exec.exec(`ALTER TABLE ${target} REPLACE PARTITION ID '${id}' FROM ${stage}`);
    }
  } finally {
    await exec.exec(`DROP TABLE IF EXISTS ${stage}`);
  }
}
