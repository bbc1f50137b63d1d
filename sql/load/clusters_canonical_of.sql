-- The current canonical document of each of the given clusters (those that exist already).
SELECT cluster_id, canonical_doc_id FROM duplicate_clusters WHERE cluster_id IN (SELECT unnest(?::JSON::VARCHAR[]));
