// The embedded TimescaleDB server as clients meet it: each client starts as the first did,
// and what a client commits is there after the server is closed and opened again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startPgliteServer } from '../../functions/engine/embedded/pglite-server.js';

const root = mkdtempSync(join(tmpdir(), 'hourglass-pglite-server-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function asClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('embedded TimescaleDB server', () => {
  it('starts every client with the same search_path, and keeps what they commit across a restart', async () => {
    const dataDir = join(root, 'db');
    const first = await startPgliteServer({ dataDir });
    try {
      const paths: string[] = [];
      for (let i = 0; i < 3; i++) paths.push(await asClient(first.url, async (c) => (await c.query<{ search_path: string }>('SHOW search_path')).rows[0]!.search_path));
      expect(new Set(paths).size, paths.join(' | ')).toBe(1);
      // A later client's unqualified table lands where the first client's would: in public.
      await asClient(first.url, (c) => c.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)'));
      expect(await asClient(first.url, async (c) => (await c.query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'kept'")).rows)).toEqual([{ table_schema: 'public' }]);
      // A client that leaves a transaction open leaves nothing behind for the next.
      await asClient(first.url, (c) => c.query('BEGIN; INSERT INTO kept VALUES (8)'));
    } finally {
      await first.close();
    }
    const again = await startPgliteServer({ dataDir });
    try {
      expect(await asClient(again.url, async (c) => (await c.query('SELECT n FROM kept ORDER BY n')).rows)).toEqual([{ n: 7 }]);
    } finally {
      await again.close();
    }
  }, 120_000);
});
