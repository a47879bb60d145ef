// Statements and queries on one ClickHouseClient: `{name}` placeholders become typed query
// parameters (params.ts). The driver runs through one of these, and so does a scratch
// database's client.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { Executor, QueryParams, Row } from '../driver.js';
import { CLICKHOUSE_SETTINGS } from './connect.js';
import { bindParams } from './params.js';

export function clientExecutor(client: ClickHouseClient, extraSettings: ClickHouseSettings = {}): Executor {
  const clickhouse_settings = { ...CLICKHOUSE_SETTINGS, ...extraSettings };
  return {
    client,
    async exec(sql: string, params?: QueryParams): Promise<void> {
      const { query, query_params } = bindParams(sql, params);
      await client.command({ query, query_params, clickhouse_settings });
    },
    async query<T extends Row = Row>(sql: string, params?: QueryParams): Promise<T[]> {
      const { query, query_params } = bindParams(sql, params);
      const rs = await client.query({ query, query_params, format: 'JSONEachRow', clickhouse_settings });
      return rs.json<T>();
    },
  };
}
