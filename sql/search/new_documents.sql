-- Documents the full-text index does not hold yet (documents are never edited in place: a new text is
-- a new doc_id), numbered on from the highest docid indexed. The index's docid is its own key
-- (postings -> docs -> name = doc_id); it need not be the documents table's rowid.
CREATE OR REPLACE TEMP TABLE fts_new_docs AS
SELECT (SELECT coalesce(max(docid), -1) FROM fts_main_documents.docs) + row_number() OVER (ORDER BY d.rowid) AS docid,
       d.doc_id, d.title, d.text
FROM main.documents AS d
WHERE NOT EXISTS (SELECT 1 FROM fts_main_documents.docs AS x WHERE x.name = d.doc_id);
