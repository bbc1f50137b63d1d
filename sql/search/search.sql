-- `readout search`: the analysts' macro with bound parameters.
SELECT doc_id, score, published_date, source_id, title, url, snippet
FROM readout_search($query, max_results := CAST($max_results AS INTEGER));
