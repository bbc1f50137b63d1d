-- Text, title and publication date of the given documents (one extraction batch).
SELECT doc_id, text, title, published_date FROM documents WHERE list_contains($1::JSON::VARCHAR[], doc_id) ORDER BY doc_id;
