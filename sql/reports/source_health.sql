-- Is every source healthy: when did it last yield something new, and how often do fetches fail?
WITH fetches AS (
    SELECT source_id,
           count(*) AS fetch_attempts,
           count(*) FILTER (WHERE outcome NOT IN ('ok', 'not_modified')) AS failed_attempts,
           max(started_at) AS last_fetch
    FROM fetch_log
    GROUP BY source_id
), docs AS (
    SELECT source_id, count(*) AS documents, max(first_seen_at) AS last_new_document
    FROM documents
    GROUP BY source_id
)
SELECT s.source_id, s.name, coalesce(d.documents, 0) AS documents, d.last_new_document,
       f.last_fetch, coalesce(f.fetch_attempts, 0) AS fetch_attempts,
       coalesce(f.failed_attempts, 0) AS failed_attempts,
       round(100.0 * f.failed_attempts / nullif(f.fetch_attempts, 0), 1) AS failure_pct
FROM sources AS s
LEFT JOIN fetches AS f USING (source_id)
LEFT JOIN docs AS d USING (source_id)
ORDER BY s.source_id;
