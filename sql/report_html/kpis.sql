-- Key figures at the top of the HTML report: readouts, publishers, URLs, edited pages, date range, last run.
SELECT (SELECT count(*) FROM documents) AS readouts,
       (SELECT count(DISTINCT source_id) FROM document_urls) AS publishers,
       (SELECT count(DISTINCT url) FROM document_urls) AS urls,
       (SELECT count(DISTINCT url) FROM document_versions WHERE previous_doc_id IS NOT NULL) AS edited_pages,
       (SELECT min(published_date) FROM documents) AS first_published,
       (SELECT max(published_date) FROM documents) AS last_published,
       (SELECT max(finished_at) FROM runs) AS last_run;
