// The floor of any Node PostgreSQL tool: load pg, connect, run one query, disconnect.
// `DATABASE_URL=… node bench/support/floor-pg.mjs`
import pg from 'pg';
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
const { rows } = await client.query('SELECT count(*) AS n FROM pg_class');
process.stdout.write(`${rows[0].n}\n`);
await client.end();
