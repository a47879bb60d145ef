// Log messages that something outside the handlers reads: the dashboard's Logs Insights query
// (infra/constructs/run-dashboard.ts) filters on them, so both sides import the one string.

/** One line per finished window, from the window function: runId, batch, windowStart, status, rows, durationMs. */
export const WINDOW_FINISHED = 'window finished';
