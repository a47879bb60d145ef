// Child process that builds the expected ClickHouse schema: embedded ClickHouse allows one
// data directory per process, and the process running verify already has the target open,
// so the scratch database lives here. Reads a request (JSON) on stdin, applies the
// migrations to a fresh chdb directory in the temp dir, prints the snapshot as one marked
// JSON line on stdout, and removes the directory. Bundled as dist/verify-scratch.mjs;
// run from source with tsx under tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import { loadMigrationSet } from '../migrations/set.js';
import { openDriver } from '../open-target.js';
import { parseTargetUrl } from '../target-url.js';
import { introspectClickHouse } from './clickhouse-introspect.js';
import { applyToScratch } from './scratch-apply.js';
import { RESULT_MARK, type ScratchRequest } from './scratch-protocol.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function run(): Promise<number> {
  const request = JSON.parse(await readStdin()) as ScratchRequest;
  const dir = mkdtempSync(join(tmpdir(), 'hourglass-verify-'));
  try {
    // No lease store: this process is the only one that will ever see `dir`, so the
    // migrations are applied without the migration lock (and without a tracking table).
    const driver = await openDriver(parseTargetUrl(`chdb:${dir}`));
    try {
      await applyToScratch(driver, 'clickhouse', loadMigrationSet(request.migrationsDir), request, new Date(request.now));
      const snapshot = await introspectClickHouse(driver);
      process.stdout.write(`${RESULT_MARK}${JSON.stringify({ snapshot })}\n`);
      return 0;
    } finally {
      await driver.close();
    }
  } catch (error) {
    process.stdout.write(`${RESULT_MARK}${JSON.stringify({ error: errorMessage(error).split('\n')[0] })}\n`);
    return 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await run();
