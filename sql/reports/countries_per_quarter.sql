-- Which countries are mentioned in the most readouts, quarter by quarter?
-- params: since=1900-01-01, top=10
WITH per_quarter AS (
    SELECT date_trunc('quarter', coalesce(d.published_date, CAST(d.first_seen_at AS DATE))) AS quarter_start,
           c.country_code,
           count(DISTINCT c.doc_id) AS readouts,
           count(*) AS mentions
    FROM country_mentions AS c
    JOIN documents AS d ON d.doc_id = c.doc_id
    WHERE coalesce(d.published_date, CAST(d.first_seen_at AS DATE)) >= CAST($since AS DATE)
    GROUP BY ALL
), ranked AS (
    SELECT *, rank() OVER (PARTITION BY quarter_start ORDER BY readouts DESC, mentions DESC) AS rank
    FROM per_quarter
)
SELECT strftime(quarter_start, '%Y') || '-Q' || quarter(quarter_start) AS quarter,
       rank, country_code, readouts, mentions
FROM ranked
WHERE rank <= CAST($top AS INTEGER)
ORDER BY quarter_start DESC, rank, country_code;
