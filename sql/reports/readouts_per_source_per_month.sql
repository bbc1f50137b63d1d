-- How many readouts has each source published per month?
-- params: since=1900-01-01
SELECT s.name AS source,
       date_trunc('month', d.published_date) AS month,
       count(DISTINCT d.doc_id) AS readouts
FROM documents AS d
JOIN sources AS s ON s.source_id = d.source_id
WHERE d.published_date >= CAST($since AS DATE)
GROUP BY ALL
ORDER BY month DESC, readouts DESC, source;
