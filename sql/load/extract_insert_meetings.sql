-- Move the staged meetings rows into the table.
INSERT INTO meetings BY NAME SELECT * FROM stage_extract_meetings;
