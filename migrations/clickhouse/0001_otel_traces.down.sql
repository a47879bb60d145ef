DROP TABLE IF EXISTS otel_traces;
