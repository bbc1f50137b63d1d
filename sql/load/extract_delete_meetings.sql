-- Drop the meetings rows of the documents being (re)extracted.
DELETE FROM meetings WHERE doc_id IN (SELECT doc_id FROM stage_extract_document_extractions);
