-- What kinds of documents (call readouts, meeting readouts, joint statements, ...) does each source publish?
-- params: since=1900-01-01
SELECT s.name AS source,
       coalesce(d.doc_type, 'unclassified') AS doc_type,
       count(*) AS documents,
       max(d.published_date) AS latest
FROM documents AS d
JOIN sources AS s ON s.source_id = d.source_id
WHERE coalesce(d.published_date, CAST(d.first_seen_at AS DATE)) >= CAST($since AS DATE)
GROUP BY ALL
ORDER BY source, documents DESC, doc_type;
