import { defineConfig } from 'vitest/config';

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
    // The AWS SDK prints a multi-line notice about Node 20 in every process; it is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
