-- The last runs, newest first (readout status).
SELECT left(run_id, 8) AS run, flow, status,
       strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started,
       round(epoch(finished_at) - epoch(started_at), 1) AS seconds,
       n_discovered, n_fetched, n_not_modified, n_new_documents, n_new_versions,
       n_duplicates, n_filtered, n_failed
FROM runs
ORDER BY started_at DESC
LIMIT ?;
