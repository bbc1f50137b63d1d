-- Documents to extract: those without a document_extractions row for the given extractor version,
-- or all of them when rebuilding (params: extractor_version, rebuild, doc_ids or NULL for every document).
SELECT d.doc_id
FROM documents AS d
WHERE ($2 OR NOT EXISTS (
        SELECT 1 FROM document_extractions AS e
        WHERE e.doc_id = d.doc_id AND e.extractor_version = $1))
  AND ($3::JSON::VARCHAR[] IS NULL OR list_contains($3::JSON::VARCHAR[], d.doc_id))
ORDER BY d.doc_id;
