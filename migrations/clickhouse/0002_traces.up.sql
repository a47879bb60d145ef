-- One row per trace (its root span), fed by a materialized view: the Cosmo `traces` table.
CREATE TABLE IF NOT EXISTS traces
(
    TraceId       String CODEC(ZSTD(1)),
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

CREATE MATERIALIZED VIEW IF NOT EXISTS traces_mv TO traces AS
SELECT
    TraceId,
    Timestamp,
    ServiceName,
    SpanName AS OperationName,
    Duration,
    StatusCode,
    StatusCode = 'STATUS_CODE_ERROR' AS HasError
FROM otel_traces
WHERE ParentSpanId = '';
