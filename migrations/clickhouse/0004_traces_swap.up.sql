-- Swap after the 0003 backfill is verified. Materialized views follow their TO table by
-- name, so the order matters:
--   1. stop the old view (the old table is about to retire; rows at or after the cut-over
--      already reach traces_new through traces_mv_new);
--   2. create the final view, with SpanId, TO traces: until the swap it writes into the old
--      table only, which no longer has another writer;
--   3. swap atomically: readers of `traces` now see the rebuilt table, and traces_mv writes into it;
--   4. drop the bridge view, which now points at the old table.
DROP VIEW IF EXISTS traces_mv;

CREATE MATERIALIZED VIEW traces_mv TO traces AS
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
