-- Which URLs changed their text after first publication, when, and by how much?
SELECT v.url, v.seen_at, d.title, v.chars_added, v.chars_removed, v.previous_doc_id, v.doc_id
FROM document_versions AS v
JOIN documents AS d ON d.doc_id = v.doc_id
WHERE v.previous_doc_id IS NOT NULL
ORDER BY v.seen_at DESC;
