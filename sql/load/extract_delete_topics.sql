-- Drop the topics rows of the documents being (re)extracted (all of them on a rebuild).
DELETE FROM topics WHERE $1 OR doc_id IN (SELECT doc_id FROM stage_extract_document_extractions);
