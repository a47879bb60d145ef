-- Hourly rollup per metric, created empty: materializing history here would hold the migration
-- for as long as the history is big. The backfill (strategy refresh) fills it window by window.
CREATE MATERIALIZED VIEW metric_stats_hourly WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', timestamp) AS bucket, metric_name, count(*) AS samples, avg(value) AS avg_value, max(value) AS max_value
  FROM metric_data_points
 GROUP BY time_bucket('1 hour', timestamp), metric_name
WITH NO DATA;
-- Keeps the last 3 days fresh (well inside the 90-day retention, so nothing is dropped unaggregated).
SELECT add_continuous_aggregate_policy('metric_stats_hourly', start_offset => interval '3 days', end_offset => interval '1 hour', schedule_interval => interval '1 hour');
