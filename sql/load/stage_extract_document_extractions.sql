-- Staging table for the documents of one extraction batch.
CREATE OR REPLACE TEMP TABLE stage_extract_document_extractions AS SELECT * FROM document_extractions LIMIT 0;
