-- Which pairs of countries are mentioned together in the same readout, and how often?
-- params: since=1900-01-01, limit=50
WITH doc_countries AS (
    SELECT DISTINCT c.doc_id, c.country_code,
           coalesce(d.published_date, CAST(d.first_seen_at AS DATE)) AS readout_date
    FROM country_mentions AS c
    JOIN documents AS d ON d.doc_id = c.doc_id
    WHERE coalesce(d.published_date, CAST(d.first_seen_at AS DATE)) >= CAST($since AS DATE)
)
SELECT a.country_code AS country_a,
       b.country_code AS country_b,
       count(*) AS readouts,
       min(a.readout_date) AS first_together,
       max(a.readout_date) AS last_together
FROM doc_countries AS a
JOIN doc_countries AS b ON b.doc_id = a.doc_id AND a.country_code < b.country_code
GROUP BY a.country_code, b.country_code
ORDER BY readouts DESC, country_a, country_b
LIMIT CAST($limit AS INTEGER);
