-- Documents without a document type yet.
SELECT doc_id, title, text, published_date FROM documents WHERE doc_type IS NULL ORDER BY doc_id;
