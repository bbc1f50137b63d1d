-- Near-duplicate candidates of the given documents: other documents sharing at least one LSH bucket.
SELECT DISTINCT n.doc_id, o.doc_id AS candidate
FROM fingerprint_buckets AS n
JOIN fingerprint_buckets AS o ON o.bucket = n.bucket AND o.band = n.band AND o.doc_id <> n.doc_id
WHERE n.doc_id IN (SELECT unnest(?::JSON::VARCHAR[]))
ORDER BY n.doc_id, candidate;
