// Windows are half-open UTC intervals [start, end) on a grid of the window size; the
// first and last may be partial. A run holds at most MAX_WINDOWS (documented cap:
// 10 years of hourly windows is 87,600).
import { UsageError } from '../errors.js';
import type { PlannedWindow } from '../state/records.js';
import { formatWindowSize } from './duration.js';

export const MAX_WINDOWS = 100_000;

export function countWindows(from: Date, to: Date, windowMs: number): number {
  const first = Math.floor(from.getTime() / windowMs);
  const last = Math.ceil(to.getTime() / windowMs);
  return Math.max(0, last - first);
}

/** The number of windows of [from, to), refused above the cap. */
export function cappedWindowCount(from: Date, to: Date, windowMs: number): number {
  const count = from < to ? countWindows(from, to, windowMs) : 0;
  if (count > MAX_WINDOWS) {
    throw new UsageError(`range ${from.toISOString()} … ${to.toISOString()} is ${count} windows of ${formatWindowSize(windowMs)}: more than the cap of ${MAX_WINDOWS} per run; use a larger --window or a shorter range`);
  }
  return count;
}

export function planWindows(from: Date, to: Date, windowMs: number, batchSize: number): PlannedWindow[] {
  if (!(from < to)) throw new UsageError(`empty or reversed range: from ${from.toISOString()} is not before to ${to.toISOString()}`);
  cappedWindowCount(from, to, windowMs);
  const windows: PlannedWindow[] = [];
  let start = from.getTime();
  const end = to.getTime();
  while (start < end) {
    const next = Math.min((Math.floor(start / windowMs) + 1) * windowMs, end);
    windows.push({ start: new Date(start), end: new Date(next), batch: Math.floor(windows.length / batchSize) });
    start = next;
  }
  return windows;
}

/**
 * First and last window start of batch `batch` of the plan planWindows(from, to, windowMs,
 * batchSize) makes, without building the plan: a Map child reads just that sort-key range
 * instead of the run's whole partition. null when the batch lies past the last window.
 */
export function batchStartRange(from: Date, to: Date, windowMs: number, batchSize: number, batch: number): { first: Date; last: Date } | null {
  const count = from < to ? countWindows(from, to, windowMs) : 0;
  const firstIndex = batch * batchSize;
  const lastIndex = Math.min(firstIndex + batchSize, count) - 1;
  if (!Number.isInteger(batch) || batch < 0 || firstIndex > lastIndex) return null;
  // Window 0 starts at `from` (maybe mid-grid); window i > 0 at the i-th grid line after floor(from).
  const startOf = (i: number) => new Date(i === 0 ? from.getTime() : (Math.floor(from.getTime() / windowMs) + i) * windowMs);
  return { first: startOf(firstIndex), last: startOf(lastIndex) };
}

/**
 * The windows of the plan planWindows(from, to, windowMs, batchSize) makes whose start lies in
 * [first, last] (all when no bounds), computed by index without building the whole plan: a
 * run keeps only its grid, and a window's record appears when it first runs.
 */
export function gridWindows(from: Date, to: Date, windowMs: number, batchSize: number, bounds?: { first?: Date; last?: Date }): PlannedWindow[] {
  const count = from < to ? countWindows(from, to, windowMs) : 0;
  const base = Math.floor(from.getTime() / windowMs);
  const startOf = (i: number) => (i === 0 ? from.getTime() : (base + i) * windowMs);
  // The index of the first window starting at or after t (window 0 starts at `from`, maybe mid-grid).
  const indexAtOrAfter = (t: number) => (t <= from.getTime() ? 0 : Math.ceil(t / windowMs) - base);
  const lo = bounds?.first ? indexAtOrAfter(bounds.first.getTime()) : 0;
  const hi = bounds?.last ? Math.min(count - 1, indexAtOrAfter(bounds.last.getTime() + 1) - 1) : count - 1;
  const out: PlannedWindow[] = [];
  for (let i = Math.max(0, lo); i <= hi; i++) {
    out.push({ start: new Date(startOf(i)), end: new Date(Math.min(startOf(i + 1), to.getTime())), batch: Math.floor(i / batchSize) });
  }
  return out;
}

/**
 * Who runs the batches: `map`, the state machine's Map (a batch is a Map item, run by one child
 * one window at a time, so small runs need a few of them to run in parallel); `process`, one
 * process running every batch with its own concurrency (the CLI), where a batch is only a state
 * item: larger ones mean fewer items and fewer statements, since a statement stays in one item.
 */
export type Batching = 'map' | 'process';
const MIN_BATCH: Record<Batching, number> = { map: 24, process: 48 };

/** Batches keep the Map's inline items small (a number each) and each Lambda busy for a while. */
export function chooseBatchSize(windowCount: number, batching: Batching = 'map'): number {
  return Math.max(MIN_BATCH[batching], Math.ceil(windowCount / 2_000));
}

export function floorToGrid(at: Date, windowMs: number): Date {
  return new Date(Math.floor(at.getTime() / windowMs) * windowMs);
}
