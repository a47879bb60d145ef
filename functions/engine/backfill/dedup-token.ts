// ClickHouse drops a repeated insert (same insert_deduplication_token) only where the table
// keeps a log of recent inserts: Replicated/Shared MergeTree always, a plain MergeTree only
// with the table setting non_replicated_deduplication_window > 0. Elsewhere the token is
// ignored and a window run twice silently doubles its rows, so the plan refuses it.
import { OperationError, UsageError } from '../errors.js';
import type { Driver } from '../drivers/driver.js';
import type { BackfillDefinition } from './definition.js';

export async function assertDeduplicatingTarget(driver: Driver, def: BackfillDefinition): Promise<void> {
  const [db, name] = def.target.includes('.') ? def.target.split('.') : ['', def.target];
  const [table] = await driver.query<{ engine: string; engine_full: string }>(
    "SELECT engine, engine_full FROM system.tables WHERE database = if({db} = '', currentDatabase(), {db}) AND name = {name}",
    { db, name },
  );
  if (!table) throw new OperationError(`target table ${def.target} does not exist`);
  if (/^(Replicated|Shared)\w*MergeTree$/.test(table.engine)) return;
  const window = /\bnon_replicated_deduplication_window\s*=\s*(\d+)/.exec(table.engine_full);
  if (/MergeTree$/.test(table.engine) && window && Number(window[1]) > 0) return;
  throw new UsageError(`strategy dedup-token needs ${def.target} to deduplicate inserts, but it is ${table.engine} without non_replicated_deduplication_window: a window run twice would insert its rows twice (ALTER TABLE ${def.target} MODIFY SETTING non_replicated_deduplication_window = 1000, or use strategy delete)`);
}
