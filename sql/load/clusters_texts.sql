-- The text of each of the given documents (read to compare near-duplicate candidates).
SELECT doc_id, text FROM documents WHERE doc_id IN (SELECT unnest(?::JSON::VARCHAR[]));
