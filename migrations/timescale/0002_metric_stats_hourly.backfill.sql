-- strategy: refresh
-- time-column: bucket
-- from: 2024-03-01T00:00:00Z
-- to: 2024-03-02T00:00:00Z
CALL refresh_continuous_aggregate('metric_stats_hourly', {window_start}, {window_end});
