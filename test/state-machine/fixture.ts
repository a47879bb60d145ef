// A local execution environment for state-machine tests: the synthesized definition,
// in-memory dynalite, embedded ClickHouse in a temp dir, and a migrations folder whose
// backfill fails for the hours listed in a control table (so a test can fail windows on
// purpose, then fix them).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoLeaseProvider } from '../../functions/engine/state/leases.js';
import { RunStore } from '../../functions/engine/state/run-store.js';
import type { StepEnvironment } from '../../functions/engine/service/types.js';
import { localDefinition } from '../../functions/local/definition.js';
import { localEnvironment } from '../../functions/local/environment.js';
import { runDefinitionLocally, type LocalExecution, type RunLocallyOptions } from '../../functions/local/runner.js';
import { withDriver } from '../../functions/engine/open-target.js';
import type { Driver } from '../../functions/engine/drivers/driver.js';
import { startDynamoFixture, type DynamoFixture } from '../state/dynamo-fixture.js';

export const FROM = '2024-03-01T00:00:00Z';
export const TO = '2024-03-06T00:00:00Z';

const MIGRATIONS: Record<string, string> = {
  '0001_events.up.sql': `CREATE TABLE events (ts DateTime64(3, 'UTC'), id UInt64) ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY ts;
CREATE TABLE failing_hours (hour DateTime('UTC')) ENGINE = MergeTree ORDER BY hour;
INSERT INTO events SELECT toDateTime64('${FROM.replace('T', ' ').replace('Z', '')}', 3, 'UTC') + toIntervalSecond(number * 180), number FROM numbers(2400);`,
  '0002_events_copy.up.sql': "CREATE TABLE events_copy (ts DateTime64(3, 'UTC'), id UInt64) ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY ts;",
  '0002_events_copy.backfill.sql': [
    '-- window: 1h', '-- target: events_copy', '-- time-column: ts', `-- from: ${FROM}`, `-- to: ${TO}`,
    '-- source-count: SELECT count() FROM events WHERE ts >= {window_start} AND ts < {window_end}',
    'INSERT INTO events_copy SELECT ts, id FROM events',
    'WHERE ts >= {window_start} AND ts < {window_end}',
    '  AND throwIf(toStartOfHour(ts) IN (SELECT hour FROM failing_hours), \'hour marked as failing\') = 0',
  ].join('\n'),
};

export interface Harness {
  env: StepEnvironment;
  url: string;
  definition: object;
  execute(input: unknown, executionName: string, opts?: Omit<RunLocallyOptions, 'executionName'>): Promise<LocalExecution>;
  withDriver<T>(fn: (d: Driver) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function startHarness(extraMigrations: Record<string, string> = {}): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), 'hourglass-sm-'));
  const migrations = join(root, 'migrations');
  mkdirSync(migrations);
  for (const [file, text] of Object.entries({ ...MIGRATIONS, ...extraMigrations })) writeFileSync(join(migrations, file), text);
  const dynamo: DynamoFixture = await startDynamoFixture();
  const table = await dynamo.freshTable();
  const url = `chdb:${join(root, 'ch')}`;
  const state = { runs: new RunStore(dynamo.doc, table), leases: new DynamoLeaseProvider(dynamo.doc, table), close: async () => undefined };
  const env = localEnvironment(state, { local: { url, migrationsDir: migrations } });
  const definition = await localDefinition();
  return {
    env, url, definition,
    execute: (input, executionName, opts = {}) => runDefinitionLocally(definition, input, env, { ...opts, executionName }),
    withDriver: (fn) => withDriver(url, fn),
    async close() {
      await dynamo.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** All state names of a definition, Map children included. */
export function stateNames(definition: { States: Record<string, { ItemProcessor?: { States: Record<string, unknown> } }> }): string[] {
  return Object.entries(definition.States).flatMap(([name, state]) => [name, ...(state.ItemProcessor ? Object.keys(state.ItemProcessor.States) : [])]);
}
