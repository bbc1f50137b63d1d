-- How many documents the full-text index holds.
SELECT num_docs FROM fts_main_documents.stats;
