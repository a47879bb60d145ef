SELECT remove_continuous_aggregate_policy('metric_stats_hourly');
DROP MATERIALIZED VIEW metric_stats_hourly;
