-- Documents and URLs per source (readout status).
SELECT s.source_id,
       (SELECT count(*) FROM documents AS d WHERE d.source_id = s.source_id) AS documents,
       (SELECT count(*) FROM document_urls AS u WHERE u.source_id = s.source_id AND u.is_current) AS urls,
       strftime((SELECT max(last_fetched_at) FROM url_state AS us WHERE us.source_id = s.source_id), '%Y-%m-%d %H:%M:%S') AS last_fetch
FROM sources AS s
ORDER BY s.source_id;
