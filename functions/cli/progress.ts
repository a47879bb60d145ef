// A progress line for long backfills: windows done/failed, rows, rate and ETA. Redrawn in
// place on a terminal; on a pipe, one line every 10% so logs stay short.
import type { WindowEvent } from '../engine/backfill/executor.js';

export class ProgressBar {
  private done = 0;
  private failed = 0;
  private rows = 0;
  private lastDraw = 0;
  private lastDecile = -1;
  private lastSet?: number;
  /** `started`: when the work began (default now): rows/s and ETA count from it. */
  constructor(private readonly total: number, private readonly write: (text: string) => void, private readonly tty = process.stderr.isTTY === true, private readonly started = Date.now()) {}

  update(event: WindowEvent): void {
    if (event.status === 'skipped') return;
    this.set(this.done + 1, this.failed + (event.status === 'failed' ? 1 : 0), this.rows + event.rows);
  }

  /** Totals read from elsewhere (a run record, while a state machine runs the windows). */
  set(done: number, failed: number, rows: number): void {
    if (done === this.done && rows === this.rows) return;
    this.done = done;
    this.failed = failed;
    this.rows = rows;
    const now = Date.now();
    this.lastSet = now;
    const decile = Math.floor((this.done / Math.max(1, this.total)) * 10);
    if (this.tty ? now - this.lastDraw > 100 || this.done === this.total : decile !== this.lastDecile) {
      this.lastDraw = now;
      this.lastDecile = decile;
      this.write(this.tty ? `\r${this.line()}\u001b[K` : `${this.line()}\n`);
    }
  }

  /** Seconds from the start to the last update, and rows/s over them: what the last line said. */
  elapsed(): { seconds: number; rate: number } {
    const seconds = ((this.lastSet ?? Date.now()) - this.started) / 1000;
    return { seconds, rate: seconds > 0 ? this.rows / seconds : 0 };
  }

  finish(): void {
    if (this.tty && this.done > 0) this.write('\n');
  }

  line(): string {
    const width = 24;
    const fraction = this.total ? Math.min(1, this.done / this.total) : 1;
    const filled = Math.round(fraction * width);
    const { seconds, rate } = this.elapsed();
    const eta = this.done > 0 ? ((this.total - this.done) * seconds) / this.done : NaN;
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.done}/${this.total} windows · ${this.failed} failed · ${human(this.rows)} rows · ${human(rate)} rows/s · ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)}s` : '?'}`;
  }
}

export function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}
