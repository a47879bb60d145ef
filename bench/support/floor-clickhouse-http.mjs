// The floor of any Node ClickHouse-over-HTTP tool: load @clickhouse/client, run one query, close.
// `node bench/support/floor-clickhouse-http.mjs http://127.0.0.1:8123`
import { createClient } from '@clickhouse/client';
const client = createClient({ url: process.argv[2] });
const result = await client.query({ query: 'SELECT count() AS n FROM system.tables', format: 'JSONEachRow' });
process.stdout.write(`${JSON.stringify(await result.json())}\n`);
await client.close();
