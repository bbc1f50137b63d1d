SELECT doc_id, text FROM documents WHERE doc_id IN (SELECT unnest(?::JSON::VARCHAR[]));
