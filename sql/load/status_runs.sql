-- The last runs, newest first (readout status).
SELECT run_id, flow, status, started_at, finished_at,
       n_discovered, n_fetched, n_not_modified, n_new_documents, n_new_versions,
       n_duplicates, n_filtered, n_failed
FROM runs
ORDER BY started_at DESC
LIMIT ?;
