-- Which statements were published at more than one URL, where first, and where else?
SELECT d.title,
       count(*) AS urls,
       count(DISTINCT u.source_id) AS publishers,
       min(u.first_seen_at) AS first_seen,
       string_agg(DISTINCT u.source_id, ', ' ORDER BY u.source_id) AS sources
FROM document_urls AS u
JOIN documents AS d ON d.doc_id = u.doc_id
WHERE u.is_current
GROUP BY d.doc_id, d.title
HAVING count(*) > 1
ORDER BY urls DESC, first_seen;
