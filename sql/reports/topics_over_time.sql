-- Which topics do readouts cover, quarter by quarter?
-- params: since=1900-01-01
SELECT strftime(date_trunc('quarter', coalesce(d.published_date, CAST(d.first_seen_at AS DATE))), '%Y')
           || '-Q' || quarter(coalesce(d.published_date, CAST(d.first_seen_at AS DATE))) AS quarter,
       t.topic,
       count(DISTINCT t.doc_id) AS readouts
FROM topics AS t
JOIN documents AS d ON d.doc_id = t.doc_id
WHERE coalesce(d.published_date, CAST(d.first_seen_at AS DATE)) >= CAST($since AS DATE)
GROUP BY ALL
ORDER BY quarter DESC, readouts DESC, t.topic;
