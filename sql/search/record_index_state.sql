-- Record the document set the full-text index was just built from (params: n_documents, checksum).
DELETE FROM search_index_state;
INSERT INTO search_index_state (n_documents, documents_checksum, built_at) VALUES (?, ?, now());
