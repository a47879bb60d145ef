// The error-level TimescaleDB rules agree with a real TimescaleDB (the embedded PGlite build,
// 2.23, over TCP): each positive case fails there with the error the rule predicts, and the
// safe rewrite runs. Migrations run as Hourglass runs them on PostgreSQL: in one transaction,
// or statement by statement under `-- hourglass:no-transaction`. Cases that read files (COPY)
// are left out; retention-before-aggregation is about policy jobs running later, not an error.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgliteServer, type PgliteServer } from '../../functions/engine/embedded/pglite-server.js';
import { splitStatements } from '../../functions/engine/sql/statements.js';
import type { Files, RuleCase } from './support.js';
import { TIMESCALE_CASES } from './timescale-cases.js';

const EXPECTED: Record<string, RegExp> = {
  'hypertable-unique-without-time-column': /cannot create a unique index without the column "\w+" \(used in partitioning\)/,
  'create-hypertable-on-filled-table': /table "\w+" is not empty/,
  'refresh-in-transaction': /cannot run inside a transaction block/,
};

let dir: string;
let server: PgliteServer;
let client: pg.Client;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-ts-rules-'));
  server = await startPgliteServer({ dataDir: join(dir, 'data') });
  client = new pg.Client({ connectionString: server.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

let schemas = 0;

/** Runs the files in version order in a fresh schema (TimescaleDB itself stays in public); the first error's message, or undefined. */
async function run(files: Files): Promise<string | undefined> {
  const schema = `case_${++schemas}`;
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`SET search_path = ${schema}, public`);
  for (const name of Object.keys(files).sort()) {
    const sql = files[name].replaceAll('public.', `${schema}.`); // the case's own schema stands in for public
    try {
      if (/^\s*--\s*hourglass:no-transaction/.test(sql)) {
        for (const statement of splitStatements(sql, 'postgres')) await client.query(statement);
      } else {
        await client.query(`BEGIN;\n${sql}\nCOMMIT;`);
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      return `${name}: ${(error as Error).message}`;
    }
  }
  return undefined;
}

const checked = TIMESCALE_CASES.filter((c) => EXPECTED[c.rule] && !Object.values(c.positive).some((sql) => /\bCOPY\b/.test(sql)) && !/migrate_data => true/.test(Object.values(c.positive).join('')));

describe('the error-level TimescaleDB rules agree with TimescaleDB', () => {
  it.each(checked.map((c) => [`${c.rule}: ${Object.values(c.positive).join(' ').slice(0, 60)}`, c] as const))('%s', async (_n, c: RuleCase) => {
    const positive = await run({ ...c.before, ...c.positive });
    expect(positive).toMatch(EXPECTED[c.rule]);
    expect(positive).toMatch(new RegExp(`^${Object.keys(c.positive)[0]}:`)); // the earlier migrations ran
    expect(await run({ ...(c.safeBefore ?? c.before), ...c.safe })).toBeUndefined();
  });
});
