-- Record the document set the full-text index now holds (params: n_documents, checksum, index_format).
DELETE FROM search_index_state;
INSERT INTO search_index_state (n_documents, documents_checksum, built_at, index_format) VALUES (?, ?, now(), ?);
