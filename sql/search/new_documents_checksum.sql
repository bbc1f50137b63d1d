-- The documents about to be added to the index (count, order-free checksum as in
-- documents_checksum.sql) and the number the index holds: with the recorded state they must add up
-- to the current document set, else the index is rebuilt instead.
SELECT (SELECT count(*) FROM fts_new_docs) AS n_new,
       (SELECT coalesce(bit_xor(hash(doc_id)), 0) FROM fts_new_docs) AS new_checksum,
       (SELECT count(*) FROM fts_main_documents.docs) AS n_indexed;
