-- Drop the membership_events rows of the documents being (re)extracted.
DELETE FROM membership_events WHERE doc_id IN (SELECT doc_id FROM stage_extract_document_extractions);
