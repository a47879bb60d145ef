-- Swap after the 0003 backfill is verified. Materialized views follow their TO table by
-- name, so the order matters:
--   1. give the old table the new column (metadata only), so a view with SpanId can target it;
--   2. replace the old view with the final one (with SpanId), still writing into the old
--      table — rows at or after the cut-over reach traces_new through traces_mv_new anyway;
--   3. swap atomically: readers of `traces` now see the rebuilt table, and traces_mv writes into it;
--   4. drop the bridge view, which now points at the old table.
-- traces_new receives each row exactly once throughout: through traces_mv_new before the
-- swap, through traces_mv after it.
ALTER TABLE traces ADD COLUMN IF NOT EXISTS SpanId String CODEC(ZSTD(1)) AFTER TraceId;

DROP VIEW IF EXISTS traces_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS traces_mv TO traces AS
SELECT
    TraceId,
    SpanId,
    Timestamp,
    ServiceName,
    SpanName AS OperationName,
    Duration,
    StatusCode,
    StatusCode = 'STATUS_CODE_ERROR' AS HasError
FROM otel_traces
WHERE ParentSpanId = '';

EXCHANGE TABLES traces AND traces_new;

DROP VIEW IF EXISTS traces_mv_new;
