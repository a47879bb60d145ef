// What "nothing changed" means, asserted: the target's tables and tracking rows, and the
// state store's runs, read in-process (chdb and on-disk dynalite allow one process at a
// time, so each snapshot opens and closes them).
import { join } from 'node:path';
import { withDriver } from '../../functions/engine/open-target.js';
import { openStateStore } from '../../functions/cli/state.js';

export interface Snapshot {
  tables: string[];
  tracking: string[];
  runs: string[];
}

export async function snapshot(url: string, stateDir: string): Promise<Snapshot> {
  const { tables, tracking } = await withDriver(url, async (driver) => {
    const sql = driver.engine === 'clickhouse'
      ? "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name";
    return {
      tables: (await driver.query<{ name: string }>(sql)).map((r) => r.name),
      tracking: (await driver.readTracking()).map((r) => `${r.version}:${r.status}:${r.checksum}:${r.statementsDone}`),
    };
  });
  const state = await openStateStore(join(stateDir));
  try {
    const runs = (await state.runs.listRuns(100)).map((r) => `${r.runId}:${r.status}:${r.windowCount}:${r.counts.succeeded}`);
    return { tables, tracking, runs };
  } finally {
    await state.close();
  }
}
