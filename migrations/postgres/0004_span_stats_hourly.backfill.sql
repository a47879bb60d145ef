-- window: 1h
-- target: span_stats_hourly
-- time-column: bucket
-- source: spans
-- source-time-column: start_time
-- from: SELECT min(start_time) FROM spans
-- to: SELECT max(start_time) + interval '1 microsecond' FROM spans
-- strategy: delete
INSERT INTO span_stats_hourly (bucket, service_name, model, span_count, error_count, total_tokens, total_cost_usd, p95_duration_ms)
SELECT date_trunc('hour', start_time), service_name, coalesce(model, 'none'), count(*),
       count(*) FILTER (WHERE status = 'error'),
       coalesce(sum(coalesce(prompt_tokens, 0) + coalesce(completion_tokens, 0)), 0),
       coalesce(sum(cost_usd), 0),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
FROM spans
WHERE start_time >= {window_start} AND start_time < {window_end}
GROUP BY 1, 2, 3
