-- The document set the full-text index would be built from: how many, and an order-free checksum.
SELECT count(*) AS n_documents, coalesce(bit_xor(hash(doc_id)), 0) AS documents_checksum FROM documents;
