-- LLM-Observatory style trace store: one row per trace, one per span.
CREATE TABLE traces (
    trace_id     text PRIMARY KEY,
    service_name text NOT NULL,
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    status       text NOT NULL DEFAULT 'unset' CHECK (status IN ('unset', 'ok', 'error')),
    attributes   jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE spans (
    span_id        text PRIMARY KEY,
    trace_id       text NOT NULL REFERENCES traces (trace_id) ON DELETE CASCADE,
    parent_span_id text,
    name           text NOT NULL,
    service_name   text NOT NULL,
    start_time     timestamptz NOT NULL,
    duration_ms    double precision NOT NULL CHECK (duration_ms >= 0),
    model          text,
    prompt_tokens  integer,
    completion_tokens integer,
    cost_usd       numeric(12, 6),
    status         text NOT NULL DEFAULT 'unset',
    attributes     jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX spans_trace_id_idx ON spans (trace_id);
CREATE INDEX spans_start_time_idx ON spans (start_time);
