-- window: 1h
-- target: traces_new
-- time-column: Timestamp
-- source: otel_traces
-- from: SELECT min(Timestamp) FROM otel_traces
-- to: cutover
-- strategy: delete
-- source-count: SELECT count() FROM otel_traces WHERE ParentSpanId = '' AND Timestamp >= {window_start} AND Timestamp < {window_end}
INSERT INTO traces_new (TraceId, SpanId, Timestamp, ServiceName, OperationName, Duration, StatusCode, HasError)
SELECT TraceId, SpanId, Timestamp, ServiceName, SpanName, Duration, StatusCode, StatusCode = 'STATUS_CODE_ERROR'
FROM otel_traces
WHERE ParentSpanId = '' AND Timestamp >= {window_start} AND Timestamp < {window_end}
