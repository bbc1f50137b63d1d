-- Parallel arrays cluster_id[], canonical_doc_id[], n_documents[], first_published[]; then now, run_id.
INSERT INTO duplicate_clusters (cluster_id, canonical_doc_id, n_documents, first_published, created_at, updated_at, run_id)
SELECT c.cluster_id, c.canonical_doc_id, c.n_documents, c.first_published, t.now, t.now, t.run_id
FROM (SELECT unnest(?::JSON::VARCHAR[]) AS cluster_id, unnest(?::JSON::VARCHAR[]) AS canonical_doc_id,
             unnest(?::JSON::INTEGER[]) AS n_documents, unnest(?::JSON::DATE[]) AS first_published) AS c,
     (SELECT ?::TIMESTAMPTZ AS now, ?::VARCHAR AS run_id) AS t
ON CONFLICT (cluster_id) DO UPDATE SET
    canonical_doc_id = excluded.canonical_doc_id,
    n_documents = excluded.n_documents,
    first_published = excluded.first_published,
    updated_at = excluded.updated_at,
    run_id = excluded.run_id;
