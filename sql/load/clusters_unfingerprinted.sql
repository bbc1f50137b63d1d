-- The next batch of documents without a near-duplicate fingerprint yet (or with one of another version), oldest first.
-- The batch is chosen on keys alone; only its texts are read (a join on up to JOIN_FILTER_KEYS keys
-- filters the documents scan), not the text of every document.
WITH batch AS (
    SELECT d.doc_id, d.first_seen_at
    FROM documents AS d
    LEFT JOIN document_fingerprints AS f ON f.doc_id = d.doc_id
    WHERE f.doc_id IS NULL OR f.fingerprint_version <> ?
    ORDER BY d.first_seen_at, d.doc_id
    LIMIT ?
)
SELECT d.doc_id, d.text
FROM batch AS b
JOIN documents AS d ON d.doc_id = b.doc_id
ORDER BY b.first_seen_at, b.doc_id;
