-- hourglass:no-transaction
-- Built without locking writers; CONCURRENTLY cannot run inside a transaction.
CREATE INDEX CONCURRENTLY IF NOT EXISTS logs_attributes_gin_idx ON logs USING gin (attributes jsonb_path_ops);
