// The migration-engine conformance suite (issue 2): the same cases against every driver,
// through the CLI contract, asserting on the database itself and not only on output.
// Each engine's test file calls defineMigrationConformance with its harness.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { TestTarget, type EngineHarness } from './harness.js';
import { defineApplyCases } from './cases/apply.js';
import { defineFailureCases } from './cases/failures.js';
import { defineFileCases } from './cases/files.js';
import { defineRevertCases } from './cases/revert.js';
import { defineConcurrencyCases } from './cases/concurrency.js';
import { defineCliCases } from './cases/cli.js';
import { definePostgresCases } from './cases/postgres-only.js';
import { defineTrackingCases } from './cases/tracking.js';

export type { EngineHarness } from './harness.js';

export interface Conformance {
  harness: EngineHarness;
  /** A fresh target for the calling test: empty database, empty migrations folder, own state dir. */
  newTarget(): Promise<TestTarget>;
}

export function defineMigrationConformance(harness: EngineHarness): void {
  let root: string | undefined;
  let seq = 0;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), `hourglass-conformance-${harness.engine}-`));
    await harness.start();
  });

  afterAll(async () => {
    try {
      await harness.stop();
    } finally {
      if (root) rmSync(root, { recursive: true, force: true });
    }
  });

  const suite: Conformance = {
    harness,
    async newTarget() {
      if (!root) throw new Error('the conformance suite has not started');
      const id = `t${++seq}`;
      const dir = join(root, id);
      return new TestTarget(harness, await harness.freshTarget(id, dir), dir);
    },
  };

  defineApplyCases(suite);
  defineFailureCases(suite);
  defineFileCases(suite);
  defineRevertCases(suite);
  defineConcurrencyCases(suite);
  defineCliCases(suite);
  defineTrackingCases(suite);
  if (harness.engine === 'postgres') definePostgresCases(suite);
}
