SELECT doc_id FROM documents WHERE doc_id IN (SELECT unnest(?::JSON::VARCHAR[]));
