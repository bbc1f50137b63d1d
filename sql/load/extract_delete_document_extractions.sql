-- Forget the extraction records of the documents being (re)extracted (all of them on a rebuild).
DELETE FROM document_extractions WHERE $1 OR doc_id IN (SELECT doc_id FROM stage_extract_document_extractions);
