// The statement of a `refresh` backfill: CALL refresh_continuous_aggregate('<view>',
// {window_start}, {window_end}), casts on the bounds optional. Only this shape is accepted:
// the strategy runs the call itself (bounds cast to the aggregate's time type), so anything
// else in the statement would be silently dropped.
const REFRESH_CALL = /^CALL\s+refresh_continuous_aggregate\s*\(\s*'([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)'(?:\s*::\s*regclass)?\s*,\s*\{window_start\}(?:\s*::\s*[a-z ]+?)?\s*,\s*\{window_end\}(?:\s*::\s*[a-z ]+?)?\s*\)\s*;?$/i;

/** The aggregate a refresh statement names, or null when the statement is not that CALL. */
export function refreshedView(statement: string): string | null {
  return REFRESH_CALL.exec(statement.trim())?.[1] ?? null;
}

export const REFRESH_SHAPE = "CALL refresh_continuous_aggregate('<view>', {window_start}, {window_end})";
