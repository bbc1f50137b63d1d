-- Move the staged amounts rows into the table.
INSERT INTO amounts BY NAME SELECT * FROM stage_extract_amounts;
