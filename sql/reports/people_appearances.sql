-- Who appears in the most readouts, with which titles and roles?
-- params: since=1900-01-01, limit=50
SELECT p.name,
       count(DISTINCT p.doc_id) AS readouts,
       string_agg(DISTINCT p.title, '; ' ORDER BY p.title) AS titles,
       string_agg(DISTINCT p.role, ', ' ORDER BY p.role) AS roles,
       mode(p.country_code) AS country_code,
       min(coalesce(d.published_date, CAST(d.first_seen_at AS DATE))) AS first_seen,
       max(coalesce(d.published_date, CAST(d.first_seen_at AS DATE))) AS last_seen
FROM person_mentions AS p
JOIN documents AS d ON d.doc_id = p.doc_id
WHERE coalesce(d.published_date, CAST(d.first_seen_at AS DATE)) >= CAST($since AS DATE)
GROUP BY p.name
ORDER BY readouts DESC, last_seen DESC, p.name
LIMIT CAST($limit AS INTEGER);
