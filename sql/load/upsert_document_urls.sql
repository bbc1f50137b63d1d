INSERT INTO document_urls (url, doc_id, source_id, fetch_url, first_seen_at, last_seen_at, is_current, run_id)
SELECT url, doc_id, source_id, fetch_url, seen_at, seen_at, true, run_id
FROM stage_pages
WHERE doc_id IS NOT NULL
ON CONFLICT (url, doc_id) DO UPDATE SET
    last_seen_at = excluded.last_seen_at,
    is_current = true,
    fetch_url = excluded.fetch_url,
    run_id = excluded.run_id;
