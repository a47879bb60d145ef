// The whole-process baseline of the CLI bench: load chdb, open the data directory, run one
// INSERT … SELECT over [from, to) with the range bound as parameters (as hourglass binds a
// window's), close. `node bench/support/one-statement.mjs <dir> <sql with {window_start:…}> <from> <to>`
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { createChdbConnection } = require('chdb/connection');
const [dir, query, from, to] = process.argv.slice(2);
const text = (iso) => new Date(iso).toISOString().replace('T', ' ').replace('Z', '');
const connection = createChdbConnection({ path: dir });
await connection.command({ query, query_params: { window_start: text(from), window_end: text(to) } });
await connection.close();
await require('chdb').drainPending();
