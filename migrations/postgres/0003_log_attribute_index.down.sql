-- hourglass:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS logs_attributes_gin_idx;
