// What the run report shows, computed from the run record and its windows (no HTML here):
// one cell per hour (days down, hours across, folded by month), the header figures, the
// slowest and the failed windows.
import type { RunRecord, WindowRecord } from '../state/records.js';

export const CELL_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'held'] as const;
export type CellStatus = (typeof CELL_STATUSES)[number];

export interface Cell {
  /** Hour of the day, 0…23 (UTC). */
  hour: number;
  status: CellStatus;
  /** The windows starting in this hour (one for hourly runs). */
  windows: WindowRecord[];
}

export interface Day {
  /** YYYY-MM-DD (UTC). */
  date: string;
  cells: Array<Cell | null>;
}

export interface Month {
  /** YYYY-MM (UTC). */
  month: string;
  days: Day[];
  counts: Record<CellStatus, number>;
}

export interface ReportModel {
  run: RunRecord;
  generatedAt: string;
  counts: Record<CellStatus, number>;
  total: number;
  elapsedMs: number;
  rowsPerSecond: number | null;
  /** Estimated time left, when the run is running and has finished some windows. */
  etaMs: number | null;
  slowest: WindowRecord[];
  failed: WindowRecord[];
  months: Month[];
}

const RANK: Record<CellStatus, number> = { failed: 4, running: 3, held: 2, pending: 1, succeeded: 0 };

/** A pending window the finished pass left at the end of the range: held back by the cut-over (+ lateness). */
function cellStatus(run: RunRecord, w: WindowRecord): CellStatus {
  if (w.status === 'pending' && (run.status === 'succeeded' || run.status === 'partial') && w.end === run.rangeEnd) return 'held';
  return w.status;
}

function emptyCounts(): Record<CellStatus, number> {
  return { pending: 0, running: 0, succeeded: 0, failed: 0, held: 0 };
}

export function buildReport(run: RunRecord, windows: WindowRecord[], now: Date = new Date()): ReportModel {
  const counts = emptyCounts();
  const months = new Map<string, Month>();
  const days = new Map<string, Day>();
  for (const w of windows) {
    const status = cellStatus(run, w);
    counts[status]++;
    const date = w.start.slice(0, 10);
    const monthKey = date.slice(0, 7);
    let month = months.get(monthKey);
    if (!month) months.set(monthKey, (month = { month: monthKey, days: [], counts: emptyCounts() }));
    month.counts[status]++;
    let day = days.get(date);
    if (!day) {
      day = { date, cells: Array.from({ length: 24 }, () => null) };
      days.set(date, day);
      month.days.push(day);
    }
    const hour = new Date(w.start).getUTCHours();
    const cell = day.cells[hour];
    if (!cell) day.cells[hour] = { hour, status, windows: [w] };
    else {
      cell.windows.push(w);
      if (RANK[status] > RANK[cell.status]) cell.status = status;
    }
  }
  const elapsedMs = Math.max(0, Math.min(now.getTime(), Date.parse(run.updatedAt)) - Date.parse(run.createdAt));
  const done = counts.succeeded + counts.failed;
  const remaining = counts.pending + counts.running;
  return {
    run,
    generatedAt: now.toISOString(),
    counts,
    total: windows.length,
    elapsedMs,
    rowsPerSecond: elapsedMs > 0 ? run.rowsWritten / (elapsedMs / 1000) : null,
    etaMs: run.status === 'running' && done > 0 && remaining > 0 ? Math.round((elapsedMs / done) * remaining) : null,
    slowest: windows.filter((w) => w.durationMs !== undefined && w.status === 'succeeded').sort((a, b) => b.durationMs! - a.durationMs!).slice(0, 5),
    failed: windows.filter((w) => w.status === 'failed'),
    months: [...months.values()],
  };
}
