-- Drop the organization_mentions rows of the documents being (re)extracted.
DELETE FROM organization_mentions WHERE doc_id IN (SELECT doc_id FROM stage_extract_document_extractions);
