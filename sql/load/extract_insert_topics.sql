-- Move the staged topics rows into the table.
INSERT INTO topics BY NAME SELECT * FROM stage_extract_topics;
