// The migration-engine conformance suite against ClickHouse (embedded chdb).
import { clickHouseHarness } from './harness-clickhouse.js';
import { defineMigrationConformance } from './suite.js';

defineMigrationConformance(clickHouseHarness());
