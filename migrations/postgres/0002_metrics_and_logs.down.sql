DROP TABLE logs;
DROP TABLE metrics;
