-- Record the documents of the batch as extracted with this version.
INSERT INTO document_extractions BY NAME SELECT * FROM stage_extract_document_extractions;
