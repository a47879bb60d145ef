import { defineConfig } from 'vitest/config';
import { scrubProcessEnv } from './test/support/env.js';

// No inherited HOURGLASS_* / AWS_* variable may point a test at a real account: removed here,
// in vitest's main process, before the global setup and before the fork workers (which
// inherit this environment) start. Children started by tests use scrubbedEnv() as well.
scrubProcessEnv();

// Every test file runs in its own process: embedded ClickHouse (chdb) allows one data
// directory per process, and dynalite's on-disk mode the same.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default'],
  },
});
