// A PostgreSQL server for one test file: DATABASE_URL when set, otherwise one embedded
// server in a fresh temp dir, on which the file creates the databases it needs.
// Call stop() in afterAll: it stops the server (killing it by its pid file if a clean
// stop fails) and removes the temp dir.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, stopStaleEmbeddedPostgres, EMBEDDED_DATABASE } from '../../functions/engine/embedded/postgres-server.js';
import { registerSecret } from '../../functions/engine/redact.js';

export interface TestPostgres {
  /** URL of `database` (default: the server's default database: `hourglass` when embedded, DATABASE_URL's own otherwise). */
  url(database?: string): string;
  /** Drops `name` if it exists, creates it empty and returns its URL. Names must be unique per test file when DATABASE_URL is shared. */
  createDatabase(name: string): Promise<string>;
  /** Embedded: the temp dir holding the server (undefined with DATABASE_URL). */
  dir: string | undefined;
  stop(): Promise<void>;
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env.DATABASE_URL;
  if (external) return externalServer(external);
  // mkdtemp makes a 0700 dir; the postgres user must be able to enter it.
  const dir = await mkdtemp(join(tmpdir(), 'hourglass-pg-'));
  await chmod(dir, 0o755);
  let server;
  try {
    server = await startEmbeddedPostgres(dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const started = server;
  const url = (database = EMBEDDED_DATABASE) => started.connectionString(database);
  return {
    dir,
    url,
    createDatabase: (name) => recreateDatabase(url('postgres'), name).then(() => url(name)),
    async stop() {
      try {
        await started.stop();
      } finally {
        await stopStaleEmbeddedPostgres(dir); // kills by pid file if the clean stop failed; a no-op otherwise
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

function externalServer(raw: string): TestPostgres {
  const base = new URL(raw);
  if (base.password) registerSecret(decodeURIComponent(base.password));
  const url = (database?: string) => {
    if (database === undefined) return raw;
    const copy = new URL(raw);
    copy.pathname = `/${database}`;
    return copy.href;
  };
  return {
    dir: undefined,
    url,
    createDatabase: (name) => recreateDatabase(raw, name).then(() => url(name)),
    stop: async () => undefined,
  };
}

async function recreateDatabase(adminUrl: string, name: string): Promise<void> {
  if (!NAME.test(name)) throw new Error(`test database name "${name}" must be lower-case letters, digits and _`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
