-- What choosing a canonical document and measuring similarity need, for the given documents.
SELECT doc_id, text, published_date, first_seen_at FROM documents WHERE doc_id IN (SELECT unnest(?::JSON::VARCHAR[]));
