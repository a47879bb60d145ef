// A valid NewRun and hourly plans, for the run-store tests.
import type { NewRun, PlannedWindow } from '../../functions/engine/state/records.js';

export function newRun(runId: string, overrides: Partial<NewRun> = {}): NewRun {
  return {
    runId,
    migrationVersion: 3,
    migrationName: 'add_span_id',
    target: 'clickhouse://default:***@localhost:8123/otel',
    engine: 'clickhouse',
    rangeStart: new Date('2024-01-01T00:00:00Z'),
    rangeEnd: new Date('2024-01-02T00:00:00Z'),
    windowSize: '1h',
    windowCount: 24,
    batchSize: 6,
    concurrency: 4,
    strategy: 'delete-insert',
    ...overrides,
  };
}

const HOUR = 3_600_000;

/** `count` consecutive hourly windows from `from`, `batchSize` windows per batch. */
export function hourlyPlan(count: number, from = new Date('2024-01-01T00:00:00Z'), batchSize = 24): PlannedWindow[] {
  return Array.from({ length: count }, (_, i) => ({
    start: new Date(from.getTime() + i * HOUR),
    end: new Date(from.getTime() + (i + 1) * HOUR),
    batch: Math.floor(i / batchSize),
  }));
}
