-- Move the staged person_mentions rows into the table.
INSERT INTO person_mentions BY NAME SELECT * FROM stage_extract_person_mentions;
