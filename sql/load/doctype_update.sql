-- Parallel arrays doc_id[], doc_type[]: set the type of documents that have none.
UPDATE documents SET doc_type = t.doc_type
FROM (SELECT unnest(?::JSON::VARCHAR[]) AS doc_id, unnest(?::JSON::VARCHAR[]) AS doc_type) AS t
WHERE documents.doc_id = t.doc_id AND documents.doc_type IS NULL;
