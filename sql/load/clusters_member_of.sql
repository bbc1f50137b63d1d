-- The cluster of each of the given documents (those already assigned).
SELECT doc_id, cluster_id FROM cluster_members WHERE doc_id IN (SELECT unnest(?::JSON::VARCHAR[]));
