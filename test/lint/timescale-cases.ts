// Positive and safe cases of the TimescaleDB rules (used by timescale-rules.test.ts, and by
// rules-postgres.test.ts's check that every PostgreSQL rule has a case).
import type { Files, RuleCase } from './support.js';

const up = (sql: string): Files => ({ '0002_change.up.sql': sql });
const first = (sql: string): Files => ({ '0001_tables.up.sql': sql });

// The seed's shape (001, LLM-Observatory): a UUID primary key, a time column, a child table.
const SEED_TRACES = 'CREATE TABLE traces (id UUID PRIMARY KEY, trace_id VARCHAR(32) NOT NULL, start_time TIMESTAMPTZ NOT NULL);\n';
const METRICS = 'CREATE TABLE metrics (time TIMESTAMPTZ NOT NULL, model text NOT NULL, tokens bigint);\nSELECT create_hypertable(\'metrics\', by_range(\'time\'));\n';
const HOURLY = "CREATE MATERIALIZED VIEW hourly WITH (timescaledb.continuous) AS\nSELECT time_bucket('1 hour', time) AS bucket, model, sum(tokens) AS tokens\nFROM metrics GROUP BY bucket, model";

export const TIMESCALE_CASES: RuleCase[] = [
  // hypertable-unique-without-time-column
  { rule: 'hypertable-unique-without-time-column', before: first(SEED_TRACES), positive: up("SELECT create_hypertable('traces', 'start_time');"),
    safeBefore: first('CREATE TABLE traces (id UUID, trace_id VARCHAR(32) NOT NULL, start_time TIMESTAMPTZ NOT NULL, PRIMARY KEY (id, start_time));\n'),
    safe: up("SELECT create_hypertable('traces', 'start_time');") },
  { rule: 'hypertable-unique-without-time-column',
    positive: up("CREATE TABLE m (id bigint, time timestamptz NOT NULL, name text, CONSTRAINT m_name UNIQUE (name));\nSELECT create_hypertable(relation => 'public.m', dimension => by_range(column_name => 'time', partition_interval => INTERVAL '1 day'));"),
    safe: up("CREATE TABLE m (id bigint, time timestamptz NOT NULL, name text, CONSTRAINT m_name UNIQUE (name, time));\nSELECT create_hypertable(relation => 'public.m', dimension => by_range(column_name => 'time', partition_interval => INTERVAL '1 day'));") },
  { rule: 'hypertable-unique-without-time-column', before: first(METRICS), positive: up('CREATE UNIQUE INDEX metrics_model ON metrics (model);'),
    safe: up('CREATE UNIQUE INDEX metrics_model ON metrics (model, time);') },
  { rule: 'hypertable-unique-without-time-column', before: first(METRICS), positive: up('ALTER TABLE metrics ADD PRIMARY KEY (model);'),
    safe: up('ALTER TABLE metrics ADD CONSTRAINT metrics_pk PRIMARY KEY (model, time);') },
  { rule: 'hypertable-unique-without-time-column', before: first(SEED_TRACES),
    positive: up("SELECT create_hypertable('traces', 'start_time', if_not_exists => TRUE);"),
    safe: up("ALTER TABLE traces DROP CONSTRAINT traces_pkey;\nSELECT create_hypertable('traces', 'start_time', if_not_exists => TRUE);") },

  // create-hypertable-on-filled-table
  { rule: 'create-hypertable-on-filled-table',
    before: first("CREATE TABLE events (time timestamptz NOT NULL, v int);\nINSERT INTO events VALUES (now(), 1);\n"),
    positive: up("SELECT create_hypertable('events', 'time');"),
    safeBefore: first('CREATE TABLE events (time timestamptz NOT NULL, v int);\n'),
    safe: up("SELECT create_hypertable('events', 'time');") },
  { rule: 'create-hypertable-on-filled-table',
    positive: up("CREATE TABLE events (time timestamptz NOT NULL, v int);\nCOPY events (time, v) FROM '/data/events.csv' WITH (FORMAT csv);\nSELECT create_hypertable('events', by_range('time'), migrate_data => true);"),
    safe: up("CREATE TABLE events (time timestamptz NOT NULL, v int);\nSELECT create_hypertable('events', by_range('time'));\nCOPY events (time, v) FROM '/data/events.csv' WITH (FORMAT csv);") },
  { rule: 'create-hypertable-on-filled-table',
    before: first("CREATE TABLE events (time timestamptz NOT NULL, v int);\nINSERT INTO events VALUES (now(), 1);\n"),
    positive: up("SELECT create_hypertable('events', 'time', migrate_data => true);"),
    safe: up("TRUNCATE events;\nSELECT create_hypertable('events', 'time');") },

  // continuous-aggregate-with-data
  { rule: 'continuous-aggregate-with-data', before: first(METRICS), positive: up(`-- hourglass:no-transaction\n${HOURLY};`),
    safe: up(`${HOURLY}\nWITH NO DATA;`) },
  { rule: 'continuous-aggregate-with-data', before: first(METRICS), positive: up(`${HOURLY}\nWITH DATA;`),
    safe: up("CREATE MATERIALIZED VIEW plain_hourly AS SELECT date_trunc('hour', time) AS bucket, count(*) FROM metrics GROUP BY 1;") },

  // retention-before-aggregation
  { rule: 'retention-before-aggregation', before: first(METRICS),
    positive: up(`${HOURLY}\nWITH NO DATA;\nSELECT add_continuous_aggregate_policy('hourly', start_offset => INTERVAL '30 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour');\nSELECT add_retention_policy('metrics', drop_after => INTERVAL '7 days');`),
    safe: up(`${HOURLY}\nWITH NO DATA;\nSELECT add_continuous_aggregate_policy('hourly', start_offset => INTERVAL '30 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour');\nSELECT add_retention_policy('metrics', drop_after => INTERVAL '90 days');`) },
  { rule: 'retention-before-aggregation',
    before: { ...first(METRICS), '0002_views.up.sql': `${HOURLY}\nWITH NO DATA;\nSELECT add_retention_policy('metrics', '7d'::interval);\n` },
    positive: { '0003_policy.up.sql': "SELECT add_continuous_aggregate_policy('hourly', INTERVAL '1 month', INTERVAL '1 hour', INTERVAL '1 hour');" },
    safe: { '0003_policy.up.sql': "SELECT add_continuous_aggregate_policy('hourly', INTERVAL '3 days', INTERVAL '1 hour', INTERVAL '1 hour');" } },
  { rule: 'retention-before-aggregation', // a month is 28–31 days: shorter than 40 days, not than 30
    before: { ...first(METRICS), '0002_views.up.sql': `${HOURLY}\nWITH NO DATA;\nSELECT add_retention_policy('metrics', drop_after => INTERVAL '1 month');\n` },
    positive: { '0003_policy.up.sql': "SELECT add_continuous_aggregate_policy('hourly', start_offset => INTERVAL '40 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour');" },
    safe: { '0003_policy.up.sql': "SELECT add_continuous_aggregate_policy('hourly', start_offset => INTERVAL '30 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour');" } },
  { rule: 'retention-before-aggregation',
    before: { ...first(METRICS), '0002_views.up.sql': `${HOURLY}\nWITH NO DATA;\nSELECT add_retention_policy('metrics', drop_after => INTERVAL '7 days');\n` },
    positive: { '0003_policy.up.sql': "SELECT add_continuous_aggregate_policy('hourly', start_offset => NULL, end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour');" },
    safe: { '0003_policy.up.sql': "SELECT remove_retention_policy('metrics');\nSELECT add_continuous_aggregate_policy('hourly', start_offset => NULL, end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour');" } },

  // refresh-in-transaction
  { rule: 'refresh-in-transaction', before: { ...first(METRICS), '0002_views.up.sql': `${HOURLY}\nWITH NO DATA;\n` },
    positive: { '0003_refresh.up.sql': "CALL refresh_continuous_aggregate('hourly', NULL, NULL);" },
    safe: { '0003_refresh.up.sql': "-- hourglass:no-transaction\nCALL refresh_continuous_aggregate('hourly', NULL, NULL);" } },
  { rule: 'refresh-in-transaction', before: first(METRICS), positive: up(`${HOURLY};`),
    safe: up(`${HOURLY}\nWITH NO DATA;`) },

  // foreign-key-to-hypertable
  { rule: 'foreign-key-to-hypertable', before: first(`${METRICS}CREATE TABLE models (name text PRIMARY KEY);\n`),
    positive: up('CREATE TABLE annotations (model text, time timestamptz, note text, FOREIGN KEY (model, time) REFERENCES metrics (model, time));'),
    safe: up('CREATE TABLE annotations (model text REFERENCES models (name), time timestamptz, note text);') },
  { rule: 'foreign-key-to-hypertable',
    before: first(`${SEED_TRACES}CREATE TABLE trace_spans (id UUID, trace_id UUID NOT NULL REFERENCES traces(id) ON DELETE CASCADE, start_time TIMESTAMPTZ NOT NULL);\n`),
    positive: up("SELECT create_hypertable('traces', 'start_time');"),
    safe: up("SELECT create_hypertable('trace_spans', 'start_time');") },
  { rule: 'foreign-key-to-hypertable', before: first(METRICS), positive: up('ALTER TABLE alerts ADD CONSTRAINT alerts_metric FOREIGN KEY (model, time) REFERENCES public.metrics (model, time);'),
    safe: up('ALTER TABLE metrics ADD CONSTRAINT metrics_model FOREIGN KEY (model) REFERENCES models (name);') },
];
