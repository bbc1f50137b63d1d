UPDATE document_urls SET is_current = false, run_id = s.run_id
FROM stage_pages AS s
WHERE document_urls.url = s.url AND s.doc_id IS NOT NULL
  AND document_urls.doc_id <> s.doc_id AND document_urls.is_current;
