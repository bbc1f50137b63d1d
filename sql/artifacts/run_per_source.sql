-- What one run did, per source: URLs by outcome (the crawl state each URL was left in by that run).
-- $run_id: the run, read at its end. skipped: not HTML/text, no main text, or disallowed by robots.txt
-- (as the runs counters count them); failed: the fetch failure outcomes (http_error, network_error, ...).
SELECT s.source_id,
       count(*) FILTER (WHERE u.last_outcome = 'new') AS new,
       count(*) FILTER (WHERE u.last_outcome = 'version') AS updated,
       count(*) FILTER (WHERE u.last_outcome = 'duplicate') AS duplicate,
       count(*) FILTER (WHERE u.last_outcome = 'unchanged') AS unchanged,
       count(*) FILTER (WHERE u.last_outcome = 'not_modified') AS not_modified,
       count(*) FILTER (WHERE u.last_outcome = 'filtered') AS filtered,
       count(*) FILTER (WHERE u.last_outcome IN ('not_text', 'no_text', 'robots_disallowed')) AS skipped,
       count(*) FILTER (WHERE u.last_outcome IS NOT NULL
                          AND u.last_outcome NOT IN ('new', 'version', 'duplicate', 'unchanged', 'not_modified',
                                                     'filtered', 'not_text', 'no_text', 'robots_disallowed', 'ok')) AS failed
FROM (SELECT DISTINCT source_id FROM url_state WHERE run_id = $run_id
      UNION SELECT DISTINCT source_id FROM fetch_log WHERE run_id = $run_id AND source_id IS NOT NULL) AS s
LEFT JOIN url_state AS u ON u.source_id = s.source_id AND u.run_id = $run_id
GROUP BY s.source_id
ORDER BY s.source_id;
