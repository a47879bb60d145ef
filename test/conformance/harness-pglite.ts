// The conformance harness for the embedded TimescaleDB (`pglite:<dir>`). PGlite opens in
// ~4-8 s per process, and the suite runs hundreds of CLI calls, so the file shares ONE data
// dir: `hourglass serve --url pglite:DIR` (a child process, the product's own server) opens
// it once and prints a postgres:// URL, every CLI call and inspect() connects to that URL,
// and the driver detects the WASM build and keeps to one session (single-session.ts).
// PGlite has one database, so a fresh target is the public schema dropped and recreated
// (with the timescaledb extension created again), not a new database.
// Concurrency: the ten concurrent applies are ten CLI processes on the served URL; the
// server attaches one client at a time and queues the others, so they take turns.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Driver, Row } from '../../functions/engine/drivers/driver.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { scrubbedEnv } from '../support/env.js';
import { jsonOf, REPO_ROOT } from './cli.js';
import type { ApplyJson } from './fixtures.js';
import { MALFORMED_URL_PASSWORD, type ConcurrentApplyResult, type EngineHarness, type TestTarget } from './harness.js';
import { postgresHarness } from './harness-postgres.js';

/** Starts `hourglass --url pglite:<dir> --json serve --port 0` and resolves with the URL it prints. */
function serve(dir: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'hourglass.mjs'), '--url', `pglite:${dir}`, '--json', 'serve', '--port', '0'], {
      cwd: REPO_ROOT,
      env: scrubbedEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l) => l.trim().startsWith('{'));
      if (line && stdout.includes('\n')) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.once('exit', (code) => reject(new Error(`hourglass serve exited ${code}: ${stderr.trim()}`)));
    child.once('error', reject);
  });
}

/** Drops everything in public that the timescaledb extension does not own. */
const RESET_PUBLIC = `DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') LOOP
    EXECUTE format('DROP %s IF EXISTS %s CASCADE', CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.name);
  END LOOP;
END $$`;

export function pgliteHarness(): EngineHarness {
  // Only the dialect-level parts of the PostgreSQL harness are reused (tables, schema, tracking rows, DDL).
  const base = postgresHarness();
  let root: string | undefined;
  let server: { child: ChildProcess; url: string } | undefined;
  const live = (): string => {
    if (!server) throw new Error('pglite harness not started');
    return server.url;
  };

  return {
    ...base,
    secrets: [MALFORMED_URL_PASSWORD],
    singleUserBackend: true,
    malformedUrls: ['pglite:', ...base.malformedUrls],

    async start() {
      root = mkdtempSync(join(tmpdir(), 'hourglass-conformance-pglite-'));
      server = await serve(join(root, 'pglite'));
    },

    async stop() {
      const running = server;
      server = undefined;
      try {
        if (running && running.child.exitCode === null) {
          const exited = new Promise((resolve) => running.child.once('exit', resolve));
          running.child.kill('SIGTERM');
          await exited;
        }
      } finally {
        if (root) rmSync(root, { recursive: true, force: true });
      }
    },

    async freshTarget() {
      const url = live();
      await withDriver(url, async (d) => {
        // Not DROP SCHEMA public: the extension lives there, and this build cannot create it again in the same backend.
        await d.query(RESET_PUBLIC);
      });
      return url;
    },

    inspect: (url, fn) => withDriver(url, fn),

    tables: (driver: Driver) => base.tables(driver),
    schema: (driver: Driver) => base.schema(driver),
    rawTracking: (driver: Driver): Promise<Row[]> => base.rawTracking(driver),

    unreachableUrls() {
      return [{ what: 'refused port', url: 'postgres://postgres:s3cretpw@127.0.0.1:1/postgres', password: 's3cretpw' }];
    },

    async applyConcurrently(target: TestTarget, n: number): Promise<ConcurrentApplyResult[]> {
      const runs = await Promise.all(Array.from({ length: n }, () => target.cli('--json', 'apply')));
      return runs.map((run, i) => {
        if (run.code !== 0) return { ok: false, applied: 0, detail: `process ${i}: exit ${run.code}: ${run.stderr.trim()}` };
        return { ok: true, applied: jsonOf<ApplyJson>(run).applied.length, detail: `process ${i}` };
      });
    },
  };
}
