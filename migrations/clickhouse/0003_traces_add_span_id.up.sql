-- The seed-000 change done without downtime: `traces` gains SpanId.
-- Build the new table beside the live one; a new view writes every row at or after the
-- cut-over into it, and the backfill fills [min(Timestamp), cut-over) hour by hour.
-- Readers keep reading `traces` until 0004 swaps the tables.
CREATE TABLE IF NOT EXISTS traces_new
(
    TraceId       String CODEC(ZSTD(1)),
    SpanId        String CODEC(ZSTD(1)),
    Timestamp     DateTime64(9) CODEC(Delta, ZSTD(1)),
    ServiceName   LowCardinality(String) CODEC(ZSTD(1)),
    OperationName LowCardinality(String) CODEC(ZSTD(1)),
    Duration      Int64 CODEC(ZSTD(1)),
    StatusCode    LowCardinality(String) CODEC(ZSTD(1)),
    HasError      Bool CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
ORDER BY (toUnixTimestamp(Timestamp), ServiceName, TraceId);

CREATE MATERIALIZED VIEW IF NOT EXISTS traces_mv_new TO traces_new AS
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
WHERE ParentSpanId = '' AND Timestamp >= {cutover};
