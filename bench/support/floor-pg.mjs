// The floor of any Node PostgreSQL tool: load pg, connect, run one query, disconnect.
// `DATABASE_URL=… node bench/support/floor-pg.mjs`
// FLOOR_PG_NODE_ONLY=1: the same with a global `navigator` (as Node 21+ has), so pg's load-time
// "am I in a Cloudflare Worker?" check does not touch the global Response and load undici on
// Node 20 — what hourglass's bundle does at build time (scripts/cli-bundling.mjs pgNodeOnly).
if (process.env.FLOOR_PG_NODE_ONLY === '1' && typeof globalThis.navigator === 'undefined') globalThis.navigator = { userAgent: `Node.js/${process.versions.node}` };
const { default: pg } = await import('pg');
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
const { rows } = await client.query('SELECT count(*) AS n FROM pg_class');
process.stdout.write(`${rows[0].n}\n`);
await client.end();
