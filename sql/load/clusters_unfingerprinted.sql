-- The next batch of documents without a near-duplicate fingerprint yet (or with one of another version), oldest first.
SELECT d.doc_id, d.text
FROM documents AS d
LEFT JOIN document_fingerprints AS f ON f.doc_id = d.doc_id
WHERE f.doc_id IS NULL OR f.fingerprint_version <> ?
ORDER BY d.first_seen_at, d.doc_id
LIMIT ?;
