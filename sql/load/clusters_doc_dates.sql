-- What choosing a cluster's canonical document needs (earliest published, then first seen, then doc_id).
SELECT doc_id, published_date, first_seen_at FROM documents WHERE doc_id IN (SELECT unnest(?::JSON::VARCHAR[]));
