-- Which build of the full-text index is on file (issue 7): a publish that finds documents added since
-- the index was built indexes only those (sql/search/extend_index.sql), but only on an index built
-- by the same SQL; any other (older build SQL, or none recorded) is rebuilt from scratch once.

ALTER TABLE search_index_state ADD COLUMN IF NOT EXISTS index_format VARCHAR;
COMMENT ON TABLE search_index_state IS 'The document set the full-text index (schema fts_main_documents) holds: one row, describing the snapshot (so no run_id). A publish adds the documents not in it yet, and rebuilds the index only when it cannot (documents missing, other build SQL).';
COMMENT ON COLUMN search_index_state.index_format IS 'Fingerprint of the SQL that built and extends the index (sql/search/); an index with another one is rebuilt, not extended.';
