-- Which statements were republished by other publishers (exact or near-duplicate), who published first, and how much later did the others follow?
-- A statement is one text published at several URLs of different sources (exact duplicate), or a
-- near-duplicate cluster (cluster_members) of more than one document. One row per later publisher.
WITH clustered AS (
    SELECT doc_id, cluster_id, similarity
    FROM cluster_members
    WHERE cluster_id IN (SELECT cluster_id FROM cluster_members GROUP BY cluster_id HAVING count(DISTINCT doc_id) > 1)
    QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY similarity DESC NULLS LAST, cluster_id) = 1
), per_publisher AS (
    SELECT coalesce('cluster:' || c.cluster_id, 'doc:' || u.doc_id) AS statement_id,
           u.source_id,
           arg_min(u.doc_id, u.first_seen_at) AS doc_id,
           arg_min(d.title, u.first_seen_at) AS title,
           arg_min(u.fetch_url, u.first_seen_at) AS url,
           min(d.published_date) AS published_date,
           min(u.first_seen_at) AS first_seen_at,
           max(c.similarity) AS similarity
    FROM document_urls AS u
    JOIN documents AS d ON d.doc_id = u.doc_id
    LEFT JOIN clustered AS c ON c.doc_id = u.doc_id
    GROUP BY ALL
), ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY statement_id ORDER BY published_date NULLS LAST, first_seen_at, source_id) AS publisher_rank,
           count(*) OVER (PARTITION BY statement_id) AS n_publishers
    FROM per_publisher
)
SELECT f.title,
       f.source_id AS first_publisher,
       f.published_date AS first_published,
       f.url AS first_url,
       r.source_id AS republished_by,
       r.published_date AS republished_on,
       r.url AS republished_url,
       CASE WHEN r.doc_id = f.doc_id THEN 'exact' ELSE 'near' END AS match,
       r.similarity,
       date_diff('day', f.published_date, r.published_date) AS lag_days,
       round((epoch(r.first_seen_at) - epoch(f.first_seen_at)) / 3600.0, 2) AS lag_first_seen_hours,
       r.n_publishers AS publishers
FROM ranked AS r
JOIN ranked AS f ON f.statement_id = r.statement_id AND f.publisher_rank = 1
WHERE r.publisher_rank > 1
ORDER BY f.published_date DESC NULLS LAST, f.title, r.publisher_rank;
