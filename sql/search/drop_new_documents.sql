-- The documents staged for extending the index are not used (the index is rebuilt instead).
DROP TABLE IF EXISTS temp.fts_new_docs;
