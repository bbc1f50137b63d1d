-- Drop the country_mentions rows of the documents being (re)extracted.
DELETE FROM country_mentions WHERE doc_id IN (SELECT doc_id FROM stage_extract_document_extractions);
