-- Forget the extraction records of the documents being (re)extracted.
DELETE FROM document_extractions WHERE doc_id IN (SELECT doc_id FROM stage_extract_document_extractions);
