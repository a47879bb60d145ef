// The time an invocation has left, as a batch of windows sees it. A window is started only
// when the longest window seen so far in this batch (this invocation's and earlier ones',
// from their records), with room to spare, fits in what is left after a margin kept for
// bookkeeping; and every statement of it is limited on the server to that remainder, so no
// statement outlives the invocation that started it.

/** A window may take this much longer than the longest seen before it still fits. */
const SAFETY = 1.5;
/** Kept back for the window's records and the count flush: a tenth of the budget, 250 ms … 30 s. */
const MARGIN_SHARE = 0.1;
const MIN_MARGIN_MS = 250;
const MAX_MARGIN_MS = 30_000;

export class TimeBudget {
  private longestMs = 0;
  private readonly marginMs: number;

  /** `remainingMs` reads the clock of the invocation (Lambda getRemainingTimeInMillis, the local runner's countdown). */
  constructor(private readonly remainingMs: () => number) {
    this.marginMs = Math.min(MAX_MARGIN_MS, Math.max(MIN_MARGIN_MS, remainingMs() * MARGIN_SHARE));
  }

  /** A window's duration, from this invocation or from an earlier attempt's record. */
  observe(durationMs: number | undefined): void {
    if (durationMs !== undefined && Number.isFinite(durationMs)) this.longestMs = Math.max(this.longestMs, durationMs);
  }

  /** The longest any statement of a window started now may run on the server. */
  statementLimitMs(): number {
    return Math.max(1, this.remainingMs() - this.marginMs);
  }

  /**
   * Whether another window fits. The first of an invocation always starts (it has the whole
   * budget, and a batch must make progress); later ones only if the longest seen fits.
   */
  fits(startedInInvocation: number): boolean {
    return startedInInvocation === 0 || this.statementLimitMs() >= this.longestMs * SAFETY;
  }
}
