-- Parallel arrays doc_id[], cluster_id[], similarity[], method[]; then run_id.
INSERT INTO cluster_members (doc_id, cluster_id, similarity, method, run_id)
SELECT unnest(?::JSON::VARCHAR[]), unnest(?::JSON::VARCHAR[]), unnest(?::JSON::DOUBLE[]), unnest(?::JSON::VARCHAR[]), ?
ON CONFLICT (doc_id) DO UPDATE SET
    cluster_id = excluded.cluster_id,
    similarity = excluded.similarity,
    method = excluded.method,
    run_id = excluded.run_id;
