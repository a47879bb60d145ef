DROP TABLE span_stats_hourly;
