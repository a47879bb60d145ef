DROP VIEW IF EXISTS traces_mv_new;
DROP TABLE IF EXISTS traces_new;
