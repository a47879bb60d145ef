-- Hourly rollup of LLM spans per service and model (what a Timescale continuous aggregate
-- would hold; plain PostgreSQL here, filled by the backfill and kept current by the app).
CREATE TABLE span_stats_hourly (
    bucket            timestamptz NOT NULL,
    service_name      text NOT NULL,
    model             text NOT NULL,
    span_count        bigint NOT NULL,
    error_count       bigint NOT NULL,
    total_tokens      bigint NOT NULL,
    total_cost_usd    numeric(14, 6) NOT NULL,
    p95_duration_ms   double precision,
    PRIMARY KEY (bucket, service_name, model)
);
