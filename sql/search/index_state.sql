-- The document set the full-text index was last built from, and the build SQL's fingerprint (no row:
-- never built here).
SELECT n_documents, documents_checksum, index_format FROM search_index_state;
