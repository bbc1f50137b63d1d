-- When and where did meetings take place, in what format, and which countries hosted them?
-- params: since=1900-01-01
-- One row per meeting (date, city, format); a meeting reported by several readouts is one row.
SELECT m.meeting_date,
       any_value(m.date_precision) AS date_precision,
       m.city,
       m.country_code,
       m.format,
       bool_or(m.is_virtual) AS is_virtual,
       array_to_string(list_sort(list_distinct(flatten(list(coalesce(m.host_country_codes, []))))), ', ') AS hosts,
       count(DISTINCT m.doc_id) AS readouts,
       string_agg(DISTINCT d.source_id, ', ' ORDER BY d.source_id) AS sources,
       arg_min(d.title, coalesce(d.published_date, CAST(d.first_seen_at AS DATE))) AS first_readout
FROM meetings AS m
JOIN documents AS d ON d.doc_id = m.doc_id
WHERE coalesce(m.meeting_date, d.published_date, CAST(d.first_seen_at AS DATE)) >= CAST($since AS DATE)
GROUP BY m.meeting_date, m.city, m.country_code, m.format
ORDER BY m.meeting_date DESC NULLS LAST, m.city NULLS LAST, m.format NULLS LAST;
