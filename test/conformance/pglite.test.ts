// The migration-engine conformance suite against the embedded TimescaleDB (`pglite:<dir>`),
// served once for the file by `hourglass serve` (harness-pglite.ts says why).
import { defineMigrationConformance } from './suite.js';
import { pgliteHarness } from './harness-pglite.js';

defineMigrationConformance(pgliteHarness());
