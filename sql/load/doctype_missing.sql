-- Documents without a document type yet, in doc_id order, a page at a time
-- (params: the last doc_id of the previous page, '' for the first; the page size).
SELECT doc_id, title, text, published_date
FROM documents
WHERE doc_type IS NULL AND doc_id > ?
ORDER BY doc_id
LIMIT ?;
