// Backfill statements with a server-side time limit and a deterministic query id: the
// setting max_execution_time (fractional seconds) stops the statement inside the server
// before the invocation that runs it ends, and query_id lets a later attempt find it.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Executor, QueryParams, Row, StatementLimits } from '../driver.js';
import { CLICKHOUSE_SETTINGS } from './connect.js';
import { bindParams } from './params.js';

/** ClickHouse TIMEOUT_EXCEEDED. */
const TIMEOUT_EXCEEDED = '159';

export function limitedExecutor(client: ClickHouseClient, limits: StatementLimits): Executor {
  const settings = settingsFor(limits.timeLimitMs);
  let n = 0;
  // Every statement of the window gets its own id under the label: ids must be unique while running.
  const queryId = () => (limits.label === undefined ? undefined : `${limits.label}:${++n}`);
  return {
    client,
    async exec(sql: string, params?: QueryParams) {
      const { query, query_params } = bindParams(sql, params);
      await client.command({ query, query_params, clickhouse_settings: settings, query_id: queryId() });
    },
    async query<T extends Row = Row>(sql: string, params?: QueryParams): Promise<T[]> {
      const { query, query_params } = bindParams(sql, params);
      const rs = await client.query({ query, query_params, format: 'JSONEachRow', clickhouse_settings: settings, query_id: queryId() });
      return rs.json<T>();
    },
  };
}

/** Each statement under `limits()`, asked before it: max_execution_time and the label itself as its query id. */
export function perStatementExecutor(client: ClickHouseClient, limits: () => StatementLimits): Executor {
  const one = () => {
    const { timeLimitMs, label } = limits();
    return { settings: settingsFor(timeLimitMs), query_id: label };
  };
  return {
    client,
    async exec(sql: string, params?: QueryParams) {
      const { query, query_params } = bindParams(sql, params);
      const { settings, query_id } = one();
      await client.command({ query, query_params, clickhouse_settings: settings, query_id });
    },
    async query<T extends Row = Row>(sql: string, params?: QueryParams): Promise<T[]> {
      const { query, query_params } = bindParams(sql, params);
      const { settings, query_id } = one();
      const rs = await client.query({ query, query_params, format: 'JSONEachRow', clickhouse_settings: settings, query_id });
      return rs.json<T>();
    },
  };
}

function settingsFor(timeLimitMs: number | undefined) {
  return { ...CLICKHOUSE_SETTINGS, ...(timeLimitMs !== undefined ? { max_execution_time: Math.max(0.001, Math.round(timeLimitMs) / 1000) } : {}) };
}

export function isStatementTimeout(error: unknown): boolean {
  const e = error as { code?: unknown; type?: unknown } | null;
  return typeof e === 'object' && e !== null && (e.code === TIMEOUT_EXCEEDED || e.type === 'TIMEOUT_EXCEEDED');
}

/** KILL QUERY … SYNC returns once the matching queries have stopped. */
export async function cancelStatements(client: ClickHouseClient, labelPrefix: string): Promise<void> {
  const { query, query_params } = bindParams('KILL QUERY WHERE startsWith(query_id, {prefix}) SYNC', { prefix: `${labelPrefix}` });
  await client.command({ query, query_params, clickhouse_settings: CLICKHOUSE_SETTINGS });
}
