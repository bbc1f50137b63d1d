-- Does this database record what its full-text index was built from (sql/ddl/005)?
SELECT EXISTS (SELECT 1 FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'search_index_state');
