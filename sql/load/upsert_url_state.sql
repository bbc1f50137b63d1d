INSERT INTO url_state (url, fetch_url, source_id, lastmod, etag, last_modified, last_fetched_at,
                       last_status, last_outcome, content_type, last_raw_sha256, doc_id,
                       consecutive_failures, run_id)
SELECT url, fetch_url, source_id, lastmod, etag, last_modified, fetched_at,
       status, classification, content_type, raw_sha256, coalesce(doc_id, previous_doc_id),
       0, run_id
FROM stage_pages
ON CONFLICT (url) DO UPDATE SET
    fetch_url = excluded.fetch_url,
    lastmod = coalesce(excluded.lastmod, url_state.lastmod),
    etag = excluded.etag,
    last_modified = excluded.last_modified,
    last_fetched_at = excluded.last_fetched_at,
    last_status = excluded.last_status,
    last_outcome = excluded.last_outcome,
    content_type = excluded.content_type,
    last_raw_sha256 = excluded.last_raw_sha256,
    doc_id = excluded.doc_id,
    consecutive_failures = 0,
    run_id = excluded.run_id;
