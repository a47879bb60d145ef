// The name every statement of one window attempt carries (ClickHouse query_id prefix,
// PostgreSQL application_name), derived from run, window and attempt alone, so a later
// attempt can find an earlier one still running. Short (PostgreSQL keeps 63 bytes of an
// application_name) and of a closed alphabet (no quoting anywhere).
import { createHash } from 'node:crypto';

const PREFIX = 'hg';

/** `hg-<run hash>-<window start, epoch s>-`: every attempt of the window starts with it. */
export function windowLabelPrefix(runId: string, windowStart: string): string {
  const run = createHash('sha256').update(runId).digest('hex').slice(0, 12);
  return `${PREFIX}-${run}-${Math.floor(Date.parse(windowStart) / 1000)}-`;
}

export function statementLabel(runId: string, windowStart: string, attempt: number): string {
  return `${windowLabelPrefix(runId, windowStart)}${attempt}`;
}
