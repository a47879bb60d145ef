CREATE TABLE metrics (
    name         text NOT NULL,
    service_name text NOT NULL,
    recorded_at  timestamptz NOT NULL,
    value        double precision NOT NULL,
    labels       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX metrics_name_time_idx ON metrics (name, recorded_at DESC);

CREATE TABLE logs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trace_id     text,
    span_id      text,
    service_name text NOT NULL,
    logged_at    timestamptz NOT NULL,
    severity     text NOT NULL CHECK (severity IN ('debug', 'info', 'warn', 'error', 'fatal')),
    body         text NOT NULL,
    attributes   jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX logs_logged_at_idx ON logs (logged_at);
