-- A version row whenever what a URL serves changes (the first sighting included).
INSERT INTO document_versions (url, doc_id, previous_doc_id, seen_at, chars_added, chars_removed, run_id)
SELECT url, doc_id, previous_doc_id, seen_at, chars_added, chars_removed, run_id
FROM stage_pages
WHERE classification IN ('new', 'duplicate', 'version');
