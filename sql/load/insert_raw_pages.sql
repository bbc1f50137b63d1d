INSERT INTO raw_pages (raw_sha256, url, fetch_url, source_id, fetched_at, content_type, charset, bytes, run_id)
SELECT raw_sha256, url, fetch_url, source_id, fetched_at, content_type, charset, bytes, run_id
FROM stage_pages
ON CONFLICT (url, raw_sha256) DO NOTHING;
