-- Every column of the main schema's user tables and views, in order, for the data dictionary.
SELECT table_name, column_name, data_type, is_nullable, comment
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
ORDER BY table_name, column_index;
