-- The most recent failed fetch attempts (readout status).
SELECT strftime(started_at, '%Y-%m-%d %H:%M:%S') AS at, source_id, url, http_status, outcome, error
FROM fetch_log
WHERE outcome NOT IN ('ok', 'not_modified')
ORDER BY started_at DESC
LIMIT ?;
