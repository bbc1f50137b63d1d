-- The document set the full-text index was last built from (no row: never built here).
SELECT n_documents, documents_checksum FROM search_index_state;
