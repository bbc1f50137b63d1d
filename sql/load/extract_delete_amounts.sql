-- Drop the amounts rows of the documents being (re)extracted.
DELETE FROM amounts WHERE doc_id IN (SELECT doc_id FROM stage_extract_document_extractions);
