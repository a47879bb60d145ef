SELECT remove_retention_policy('metric_data_points');
SELECT remove_compression_policy('metric_data_points');
DROP TABLE metric_data_points;
