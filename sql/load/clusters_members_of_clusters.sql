-- Every member of the given clusters, with its current row.
SELECT m.cluster_id, m.doc_id, m.similarity, m.method
FROM cluster_members AS m
WHERE m.cluster_id IN (SELECT unnest(?::JSON::VARCHAR[]))
ORDER BY m.cluster_id, m.doc_id;
