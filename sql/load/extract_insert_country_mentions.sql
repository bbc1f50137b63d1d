-- Move the staged country_mentions rows into the table.
INSERT INTO country_mentions BY NAME SELECT * FROM stage_extract_country_mentions;
