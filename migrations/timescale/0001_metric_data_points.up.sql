-- The LLM-Observatory metric samples (seed 001) as a hypertable of one-day chunks. The seed's
-- `id UUID PRIMARY KEY` cannot partition by time (create_hypertable refuses a key without the
-- time column), so the key is (id, timestamp).
CREATE TABLE metric_data_points (
  id uuid NOT NULL,
  metric_name text NOT NULL,
  timestamp timestamptz NOT NULL,
  value double precision NOT NULL,
  attributes jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (id, timestamp)
);
SELECT create_hypertable('metric_data_points', 'timestamp', chunk_time_interval => interval '1 day');
-- Compressed after a week, grouped by metric; raw samples are kept 90 days.
ALTER TABLE metric_data_points SET (timescaledb.compress, timescaledb.compress_segmentby = 'metric_name', timescaledb.compress_orderby = 'timestamp DESC');
SELECT add_compression_policy('metric_data_points', compress_after => interval '7 days');
SELECT add_retention_policy('metric_data_points', drop_after => interval '90 days');
