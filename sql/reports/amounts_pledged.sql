-- What amounts of money were pledged or announced, in which readout and for what?
-- params: since=1900-01-01, currency=
-- currency: an ISO code (USD, EUR, ...) to keep only that currency; empty for all.
SELECT coalesce(d.published_date, CAST(d.first_seen_at AS DATE)) AS readout_date,
       a.value,
       a.currency,
       a.unit,
       a.mention,
       a.context,
       d.source_id,
       d.title
FROM amounts AS a
JOIN documents AS d ON d.doc_id = a.doc_id
WHERE coalesce(d.published_date, CAST(d.first_seen_at AS DATE)) >= CAST($since AS DATE)
  AND ($currency = '' OR upper(a.currency) = upper($currency))
ORDER BY readout_date DESC, a.value DESC NULLS LAST, a.start_char;
