-- Drop the topics rows of the documents being (re)extracted.
DELETE FROM topics WHERE doc_id IN (SELECT doc_id FROM stage_extract_document_extractions);
