-- A 304 confirms that the URL still serves its current document.
UPDATE document_urls SET last_seen_at = t.fetched_at, run_id = t.run_id
FROM stage_url_touch AS t
WHERE document_urls.url = t.url AND document_urls.is_current AND t.outcome = 'not_modified';
