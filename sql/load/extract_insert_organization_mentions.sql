-- Move the staged organization_mentions rows into the table.
INSERT INTO organization_mentions BY NAME SELECT * FROM stage_extract_organization_mentions;
