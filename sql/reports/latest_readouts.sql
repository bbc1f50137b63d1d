-- What are the latest readouts, with their publisher and URL?
-- params: limit=20
SELECT d.published_date, s.name AS source, d.title, u.fetch_url AS url, d.word_count
FROM documents AS d
JOIN document_urls AS u ON u.doc_id = d.doc_id AND u.url = d.first_url
JOIN sources AS s ON s.source_id = d.source_id
ORDER BY d.published_date DESC NULLS LAST, d.first_seen_at DESC
LIMIT CAST($limit AS INTEGER);
