// A valid NewRun and hourly plans, for the run-store tests.
import type { NewRun, PlannedWindow } from '../../functions/engine/state/records.js';
import type { RunStore } from '../../functions/engine/state/run-store.js';

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

/** A planned run of 6 hourly windows: windows 1 and 4 failed, the others succeeded. */
export async function seedPartialRun(store: RunStore, runId: string): Promise<void> {
  await store.createRun(newRun(runId, { windowCount: 6, batchSize: 3 }));
  const plan = hourlyPlan(6, undefined, 3);
  await store.putWindows(runId, plan);
  for (const [i, w] of plan.entries()) {
    await store.claimWindow(runId, w.start, 'worker-1', { leaseMs: 60_000, allow: ['pending'] });
    if (i === 1 || i === 4) await store.failWindow(runId, w.start, 'worker-1', { error: new Error('boom'), durationMs: 5 });
    else await store.completeWindow(runId, w.start, 'worker-1', { rows: 10, durationMs: 5 });
  }
}
