-- Does this database hold the full-text index and the readout_search macro?
SELECT EXISTS (SELECT 1 FROM duckdb_tables() WHERE schema_name = 'fts_main_documents' AND table_name = 'stats')
   AND EXISTS (SELECT 1 FROM duckdb_functions() WHERE schema_name = 'main' AND function_name = 'readout_search');
