-- Column names and types of a staging table, in order (used to type read_json).
SELECT column_name, data_type
FROM duckdb_columns()
WHERE table_name = ? AND database_name = 'temp'
ORDER BY column_index;
