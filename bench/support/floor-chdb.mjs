// The floor of any in-process embedded-ClickHouse tool: load chdb, open the data directory,
// run one query, close. `node bench/support/floor-chdb.mjs <dir>`
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { createChdbConnection } = require('chdb/connection');
const connection = createChdbConnection({ path: process.argv[2] });
const result = await connection.query({ query: 'SELECT count() FROM system.tables FORMAT JSONEachRow' });
for await (const chunk of result.stream) process.stdout.write(chunk);
await connection.close();
await require('chdb').drainPending();
