-- Which countries were welcomed as new members (of the Coalition or another body), and when?
-- params: since=1900-01-01
-- One row per (country, organization, event), dated by the first readout reporting it.
SELECT min(coalesce(d.published_date, CAST(d.first_seen_at AS DATE))) AS first_reported,
       e.country_code,
       e.organization,
       e.event,
       count(DISTINCT e.doc_id) AS readouts,
       arg_min(d.title, coalesce(d.published_date, CAST(d.first_seen_at AS DATE))) AS first_readout,
       arg_min(substring(d.text, e.start_char + 1, e.end_char - e.start_char),
               coalesce(d.published_date, CAST(d.first_seen_at AS DATE))) AS evidence
FROM membership_events AS e
JOIN documents AS d ON d.doc_id = e.doc_id
GROUP BY e.country_code, e.organization, e.event
HAVING min(coalesce(d.published_date, CAST(d.first_seen_at AS DATE))) >= CAST($since AS DATE)
ORDER BY first_reported, e.organization, e.country_code;
