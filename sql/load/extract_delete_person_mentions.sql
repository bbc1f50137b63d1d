-- Drop the person_mentions rows of the documents being (re)extracted.
DELETE FROM person_mentions WHERE doc_id IN (SELECT doc_id FROM stage_extract_document_extractions);
