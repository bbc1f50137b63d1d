-- The last archived body of every URL, with what is needed to parse it again offline.
SELECT u.url, u.fetch_url, u.source_id, u.last_raw_sha256, r.content_type, r.charset, u.last_fetched_at,
       u.etag, u.last_modified, u.lastmod, u.last_status, r.bytes,
       json_extract(s.config_json, '$.keywords')::VARCHAR AS keywords
FROM url_state AS u
JOIN raw_pages AS r ON r.url = u.url AND r.raw_sha256 = u.last_raw_sha256
LEFT JOIN sources AS s ON s.source_id = u.source_id
ORDER BY u.url;
