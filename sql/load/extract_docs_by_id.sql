-- Text, title and publication date of the given documents (one extraction batch).
SELECT doc_id, text, title, published_date FROM documents WHERE doc_id IN (SELECT unnest($1::JSON::VARCHAR[])) ORDER BY doc_id;
