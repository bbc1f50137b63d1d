-- What the full-text index was built from (issue 7): publishing rebuilds the index only when the set
-- of documents changed since (documents are never edited in place: a changed text is a new doc_id).

CREATE TABLE IF NOT EXISTS search_index_state (
    n_documents         BIGINT NOT NULL,
    documents_checksum  UBIGINT NOT NULL,
    built_at            TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE search_index_state IS 'The document set the full-text index (schema fts_main_documents) was last built from: one row, describing the snapshot (so no run_id). A publish rebuilds the index only when the documents differ from it.';
COMMENT ON COLUMN search_index_state.n_documents IS 'Number of documents indexed.';
COMMENT ON COLUMN search_index_state.documents_checksum IS 'XOR of DuckDB hash(doc_id) over the documents indexed (with n_documents, identifies the document set).';
COMMENT ON COLUMN search_index_state.built_at IS 'When the index was built (UTC).';
