INSERT INTO url_state (url, fetch_url, source_id, lastmod, last_fetched_at, last_status, last_outcome,
                       consecutive_failures, run_id)
SELECT url, fetch_url, source_id, lastmod, fetched_at, status, outcome,
       CASE WHEN failed THEN 1 ELSE 0 END, run_id
FROM stage_url_touch
ON CONFLICT (url) DO UPDATE SET
    fetch_url = excluded.fetch_url,
    lastmod = coalesce(excluded.lastmod, url_state.lastmod),
    last_fetched_at = excluded.last_fetched_at,
    last_status = excluded.last_status,
    last_outcome = excluded.last_outcome,
    consecutive_failures = CASE WHEN excluded.consecutive_failures = 1
                                THEN url_state.consecutive_failures + 1 ELSE 0 END,
    run_id = excluded.run_id;
